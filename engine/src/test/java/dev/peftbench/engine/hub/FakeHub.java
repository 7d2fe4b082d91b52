package dev.peftbench.engine.hub;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A Hugging Face Hub in the test, serving folders as repositories with the Hub's real answers:
 * {@code GET /api/models/{id}/revision/{rev}} with {@code sha} and {@code siblings};
 * {@code HEAD}/{@code GET /{id}/resolve/{rev}/{file}} with {@code X-Repo-Commit}, a quoted {@code ETag}
 * (the git blob sha1) and {@code Content-Length} for regular files; for LFS files ({@code .safetensors},
 * {@code .bin}) a 302 to a CDN on another host ({@code localhost} instead of {@code 127.0.0.1}) carrying
 * {@code X-Linked-Etag} (the sha256) and {@code X-Linked-Size}; {@code Range} requests answered with 206;
 * {@code X-Error-Code} on 401/404 as the Hub sends them. Faults are switched on per test.
 */
public final class FakeHub implements AutoCloseable {

    /** How a resolve of an LFS file is answered. */
    public enum LfsAnswer {
        /** 302 to the CDN host (the Hub's way). */
        REDIRECT_TO_CDN,
        /** 302 with a relative Location on the Hub's own host. */
        REDIRECT_RELATIVE,
        /** 200 with the bytes and X-Linked-Etag / X-Linked-Size. */
        DIRECT
    }

    /** One request as the servers saw it. */
    public record Request(String host, String method, String path, String range, String authorization) {
    }

    private record File(String name, byte[] bytes, String gitSha1, String sha256, boolean lfs) {
    }

    private record Repo(String id, String commit, Map<String, File> files, Set<String> revisions) {
    }

    private record Hold(long afterBytes, CountDownLatch release) {
    }

    private static final Pattern API = Pattern.compile("/api/models/([^/]+/[^/]+)/revision/(.+)");
    private static final Pattern RESOLVE = Pattern.compile("/([^/]+/[^/]+)/resolve/([^/]+)/(.+)");
    private static final Pattern LFS = Pattern.compile("/(?:lfs|lfs-relative)/([0-9a-f]{64})");
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-");

    private final HttpServer hub;
    private final HttpServer cdn;
    private final Map<String, Repo> repos = new ConcurrentHashMap<>();
    private final Map<String, String> gates = new ConcurrentHashMap<>();
    private final Map<String, String> renamed = new ConcurrentHashMap<>();
    private final List<Request> requests = new CopyOnWriteArrayList<>();
    private final Map<String, Long> dropOnce = new ConcurrentHashMap<>();
    private final Map<String, Hold> holds = new ConcurrentHashMap<>();
    private final Set<String> corrupt = ConcurrentHashMap.newKeySet();
    private final AtomicInteger failingAnswers = new AtomicInteger();
    private volatile LfsAnswer lfsAnswer = LfsAnswer.REDIRECT_TO_CDN;
    private volatile boolean weakEtags;
    private volatile boolean listWithoutSha;
    private volatile boolean noHead;

    private FakeHub() throws IOException {
        hub = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        cdn = HttpServer.create(new InetSocketAddress("localhost", 0), 0);
        for (HttpServer server : List.of(hub, cdn)) {
            server.setExecutor(Executors.newCachedThreadPool(r -> {
                Thread t = new Thread(r, "fake-hub");
                t.setDaemon(true);
                return t;
            }));
        }
        hub.createContext("/", this::answerHub);
        cdn.createContext("/", this::answerCdn);
        hub.start();
        cdn.start();
    }

    public static FakeHub start() {
        try {
            return new FakeHub();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Serves every file under {@code folder} as repository {@code id}, at "main", its commit and {@code otherRevisions}. */
    public FakeHub serve(String id, Path folder, String... otherRevisions) {
        Map<String, File> files = new LinkedHashMap<>();
        try (Stream<Path> all = Files.walk(folder)) {
            for (Path p : all.filter(Files::isRegularFile).sorted().toList()) {
                String name = folder.relativize(p).toString().replace('\\', '/');
                byte[] bytes = Files.readAllBytes(p);
                boolean lfs = name.endsWith(".safetensors") || name.endsWith(".bin");
                files.put(name, new File(name, bytes, gitBlobSha1(bytes), hex("SHA-256", bytes), lfs));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        String commit = hex("SHA-1", (id + files.values().stream().map(File::gitSha1).toList()).getBytes(StandardCharsets.UTF_8));
        Set<String> revisions = ConcurrentHashMap.newKeySet();
        revisions.addAll(List.of("main", commit));
        revisions.addAll(List.of(otherRevisions));
        repos.put(id, new Repo(id, commit, files, revisions));
        return this;
    }

    /** Resolves of {@code id} need {@code Authorization: Bearer token} (401 otherwise), as a gated repository's. */
    public FakeHub gate(String id, String token) {
        gates.put(id, token);
        return this;
    }

    /** Requests for {@code oldId} are redirected (307, relative) to {@code newId}, as after a rename on the Hub. */
    public FakeHub rename(String oldId, String newId) {
        renamed.put(oldId, newId);
        return this;
    }

    public FakeHub lfsAnswer(LfsAnswer answer) {
        lfsAnswer = answer;
        return this;
    }

    /** ETags as {@code W/"..."}. */
    public FakeHub weakEtags() {
        weakEtags = true;
        return this;
    }

    /** The revision answer without {@code sha}: the commit is then only in X-Repo-Commit. */
    public FakeHub listWithoutSha() {
        listWithoutSha = true;
        return this;
    }

    /** HEAD answered 501, as by a server that implements GET only. */
    public FakeHub noHead() {
        noHead = true;
        return this;
    }

    /** The next GET of {@code file}'s bytes breaks the connection after {@code bytes}. */
    public FakeHub dropOnce(String file, long bytes) {
        dropOnce.put(file, bytes);
        return this;
    }

    /** GETs of {@code file}'s bytes stop after {@code bytes} until the returned latch is released. */
    public CountDownLatch holdAfter(String file, long bytes) {
        CountDownLatch release = new CountDownLatch(1);
        holds.put(file, new Hold(bytes, release));
        return release;
    }

    /** {@code file}'s bytes arrive with one byte changed. */
    public FakeHub corrupt(String file) {
        corrupt.add(file);
        return this;
    }

    /** The next {@code n} requests to the Hub host are answered 503. */
    public FakeHub failNext(int n) {
        failingAnswers.set(n);
        return this;
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + hub.getAddress().getPort());
    }

    public String commit(String id) {
        return repos.get(id).commit();
    }

    public String sha256(String id, String file) {
        return repos.get(id).files().get(file).sha256();
    }

    public String gitSha1(String id, String file) {
        return repos.get(id).files().get(file).gitSha1();
    }

    public List<Request> requests() {
        return List.copyOf(requests);
    }

    @Override
    public void close() {
        holds.values().forEach(h -> h.release().countDown());
        hub.stop(0);
        cdn.stop(0);
    }

    private void answerHub(HttpExchange x) throws IOException {
        log("hub", x);
        try (x) {
            if (failingAnswers.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                send(x, 503, "{\"error\":\"Service Unavailable\"}");
                return;
            }
            if (noHead && x.getRequestMethod().equals("HEAD")) {
                send(x, 501, "");
                return;
            }
            String path = URLDecoder.decode(x.getRequestURI().getRawPath(), StandardCharsets.UTF_8);
            for (Map.Entry<String, String> r : renamed.entrySet()) {
                String raw = x.getRequestURI().getRawPath();
                if (raw.startsWith("/" + r.getKey() + "/") || raw.startsWith("/api/models/" + r.getKey() + "/")) {
                    x.getResponseHeaders().set("Location", raw.replaceFirst(java.util.regex.Pattern.quote(r.getKey()), r.getValue()));
                    send(x, 307, "");
                    return;
                }
            }
            Matcher api = API.matcher(path);
            Matcher resolve = RESOLVE.matcher(path);
            Matcher lfs = LFS.matcher(path);
            if (api.matches()) {
                answerRevision(x, api.group(1), api.group(2));
            } else if (resolve.matches()) {
                answerResolve(x, resolve.group(1), resolve.group(2), resolve.group(3));
            } else if (lfs.matches()) {
                answerBlob(x, lfs.group(1));
            } else {
                send(x, 404, "{\"error\":\"not found\"}");
            }
        }
    }

    private void answerCdn(HttpExchange x) throws IOException {
        log("cdn", x);
        try (x) {
            Matcher lfs = LFS.matcher(x.getRequestURI().getPath());
            if (lfs.matches()) {
                answerBlob(x, lfs.group(1));
            } else {
                send(x, 404, "NoSuchKey");
            }
        }
    }

    private void answerRevision(HttpExchange x, String id, String revision) throws IOException {
        Repo repo = repos.get(id);
        if (repo == null) {
            x.getResponseHeaders().set("X-Error-Code", "RepoNotFound");
            send(x, 404, "{\"error\":\"Repository not found\"}");
            return;
        }
        if (!repo.revisions().contains(revision)) {
            x.getResponseHeaders().set("X-Error-Code", "RevisionNotFound");
            send(x, 404, "{\"error\":\"Invalid rev id: " + revision + "\"}");
            return;
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode body = json.createObjectNode().put("_id", "fake").put("id", id).put("modelId", id).put("private", false);
        if (!listWithoutSha) {
            body.put("sha", repo.commit());
        }
        body.put("gated", gates.containsKey(id) ? "auto" : "false");
        ArrayNode siblings = body.putArray("siblings");
        repo.files().keySet().forEach(name -> siblings.addObject().put("rfilename", name));
        x.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        send(x, 200, body.toString());
    }

    private void answerResolve(HttpExchange x, String id, String revision, String name) throws IOException {
        Repo repo = repos.get(id);
        if (repo == null) {
            x.getResponseHeaders().set("X-Error-Code", "RepoNotFound");
            send(x, 404, "Repository not found");
            return;
        }
        String token = gates.get(id);
        if (token != null && !("Bearer " + token).equals(x.getRequestHeaders().getFirst("Authorization"))) {
            x.getResponseHeaders().set("X-Error-Code", "GatedRepo");
            x.getResponseHeaders().set("X-Error-Message", "Access to model " + id + " is restricted. You must have access to it and be authenticated to access it. Please log in.");
            send(x, 401, "");
            return;
        }
        if (!repo.revisions().contains(revision)) {
            x.getResponseHeaders().set("X-Error-Code", "RevisionNotFound");
            send(x, 404, "Invalid rev id");
            return;
        }
        File file = repo.files().get(name);
        if (file == null) {
            x.getResponseHeaders().set("X-Error-Code", "EntryNotFound");
            x.getResponseHeaders().set("X-Repo-Commit", repo.commit());
            send(x, 404, "Entry not found");
            return;
        }
        x.getResponseHeaders().set("X-Repo-Commit", repo.commit());
        x.getResponseHeaders().set("Accept-Ranges", "bytes");
        if (!file.lfs()) {
            x.getResponseHeaders().set("ETag", etag(file.gitSha1()));
            answerBytes(x, file);
            return;
        }
        x.getResponseHeaders().set("X-Linked-Etag", etag(file.sha256()));
        x.getResponseHeaders().set("X-Linked-Size", String.valueOf(file.bytes().length));
        x.getResponseHeaders().set("ETag", etag(gitBlobSha1(("version https://git-lfs.github.com/spec/v1\noid sha256:" + file.sha256()).getBytes(StandardCharsets.UTF_8))));
        switch (lfsAnswer) {
            case REDIRECT_TO_CDN -> {
                x.getResponseHeaders().set("Location", "http://localhost:" + cdn.getAddress().getPort() + "/lfs/" + file.sha256()
                        + "?X-Amz-Signature=fake&response-content-disposition=attachment");
                send(x, 302, "");
            }
            case REDIRECT_RELATIVE -> {
                x.getResponseHeaders().set("Location", "/lfs-relative/" + file.sha256());
                send(x, 302, "");
            }
            case DIRECT -> answerBytes(x, file);
        }
    }

    private void answerBlob(HttpExchange x, String sha256) throws IOException {
        File file = repos.values().stream().flatMap(r -> r.files().values().stream()).filter(f -> f.sha256().equals(sha256))
                .findFirst().orElse(null);
        if (file == null) {
            send(x, 404, "NoSuchKey");
            return;
        }
        x.getResponseHeaders().set("ETag", etag(file.sha256()));
        x.getResponseHeaders().set("Accept-Ranges", "bytes");
        answerBytes(x, file);
    }

    /** The file's bytes (or the asked range of them), with the faults switched on for it. */
    private void answerBytes(HttpExchange x, File file) throws IOException {
        byte[] bytes = file.bytes();
        if (corrupt.contains(file.name()) && bytes.length > 0) {
            bytes = bytes.clone();
            bytes[bytes.length / 2] ^= 0x5a;
        }
        long from = 0;
        String range = x.getRequestHeaders().getFirst("Range");
        Matcher m = range == null ? null : RANGE.matcher(range);
        if (m != null && m.matches()) {
            from = Long.parseLong(m.group(1));
            if (from >= bytes.length) {
                x.getResponseHeaders().set("Content-Range", "bytes */" + bytes.length);
                send(x, 416, "");
                return;
            }
            x.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + (bytes.length - 1) + "/" + bytes.length);
        }
        int status = from > 0 ? 206 : 200;
        long length = bytes.length - from;
        if (x.getRequestMethod().equals("HEAD")) {
            x.getResponseHeaders().set("Content-Length", String.valueOf(length));
            x.sendResponseHeaders(status, -1);
            return;
        }
        x.sendResponseHeaders(status, length == 0 ? -1 : length);
        OutputStream out = x.getResponseBody();
        Long drop = x.getRequestMethod().equals("GET") ? dropOnce.remove(file.name()) : null;
        Hold hold = holds.get(file.name());
        long stopAt = drop != null ? drop : hold != null ? hold.afterBytes() : Long.MAX_VALUE;
        long end = Math.min(bytes.length, Math.max(from, stopAt));
        out.write(bytes, (int) from, (int) (end - from));
        out.flush();
        if (drop != null) {
            // Thrown from the handler, the server closes the connection: the client sees the body end early.
            throw new IOException("fake hub drops the connection after " + drop + " bytes of " + file.name());
        }
        if (hold != null && end < bytes.length) {
            try {
                hold.release().await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            out.write(bytes, (int) end, bytes.length - (int) end);
        }
    }

    private String etag(String value) {
        return (weakEtags ? "W/" : "") + "\"" + value + "\"";
    }

    private static void send(HttpExchange x, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (x.getRequestMethod().equals("HEAD") || bytes.length == 0) {
            x.sendResponseHeaders(status, -1);
            return;
        }
        x.sendResponseHeaders(status, bytes.length);
        x.getResponseBody().write(bytes);
    }

    private void log(String host, HttpExchange x) {
        requests.add(new Request(host, x.getRequestMethod(), x.getRequestURI().getPath(),
                x.getRequestHeaders().getFirst("Range"), x.getRequestHeaders().getFirst("Authorization")));
    }

    /** git's object id of a blob: sha1 of {@code "blob <size>\0"} and the bytes. */
    static String gitBlobSha1(byte[] bytes) {
        byte[] header = ("blob " + bytes.length + "\0").getBytes(StandardCharsets.UTF_8);
        byte[] all = new byte[header.length + bytes.length];
        System.arraycopy(header, 0, all, 0, header.length);
        System.arraycopy(bytes, 0, all, header.length, bytes.length);
        return hex("SHA-1", all);
    }

    private static String hex(String algorithm, byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance(algorithm).digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every file of the repository, in the order served. */
    public List<String> files(String id) {
        return new ArrayList<>(repos.get(id).files().keySet());
    }
}
