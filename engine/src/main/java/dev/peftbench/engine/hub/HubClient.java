package dev.peftbench.engine.hub;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.engine.EngineException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodySubscribers;
import java.net.http.HttpTimeoutException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongConsumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Hub's HTTP API as huggingface_hub uses it to download: the revision's commit and file list, a
 * {@code HEAD} per file for its ETag, size and commit (following only same-host redirects, so an LFS
 * file's CDN address is learnt, not fetched), and a {@code GET} of the bytes that resumes a partial
 * file with a {@code Range} request. The token goes to the endpoint's host only, never to a CDN a
 * redirect leads to. Failures the network may heal (connection errors, timeouts, 408/429/5xx) are
 * retried a bounded number of times with exponential backoff ({@code utils/_http.py}'s {@code http_backoff});
 * the others end in an {@link EngineException} saying what to do.
 */
final class HubClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(HubClient.class);
    private static final Set<Integer> RETRIED = Set.of(408, 429, 500, 502, 503, 504);
    private static final int MAX_REDIRECTS = 10;
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-\\d+/(\\d+|\\*)");
    private static final String USER_AGENT = "peft-workbench; java/" + Runtime.version().feature();

    /**
     * @param maxRetries  tries after the first before giving up (a try that received bytes resets the count)
     * @param firstDelay  wait before the first retry, doubled each time up to {@code maxDelay}
     * @param timeout     longest wait for an answer's headers or for the next bytes of a body
     */
    record RetryPolicy(int maxRetries, Duration firstDelay, Duration maxDelay, Duration timeout) {
        /** huggingface_hub's: 5 retries, 1 s doubling to 8 s, 10 s timeouts. */
        static final RetryPolicy DEFAULT = new RetryPolicy(5, Duration.ofSeconds(1), Duration.ofSeconds(8), Duration.ofSeconds(10));

        Duration delay(int attempt) {
            long ms = firstDelay.toMillis() << Math.min(attempt - 1, 20);
            return Duration.ofMillis(Math.min(ms, maxDelay.toMillis()));
        }
    }

    /** A failure worth another try. */
    private static final class Transient extends IOException {
        Transient(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** Writing to the cache failed: retrying the network will not help. */
    static final class DiskWriteFailure extends IOException {
        DiskWriteFailure(IOException cause) {
            super(cause.getMessage(), cause);
        }
    }

    private final HubSettings settings;
    private final RetryPolicy retry;
    private final HttpClient http;

    HubClient(HubSettings settings, RetryPolicy retry) {
        this.settings = settings;
        this.retry = retry;
        // HTTP/1.1 as huggingface_hub's httpx speaks it; redirects are followed by hand to keep the token on the Hub.
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .followRedirects(HttpClient.Redirect.NEVER)
                .connectTimeout(retry.timeout())
                .build();
    }

    /** {@code GET /api/models/{repo}/revision/{revision}} ({@code HfApi.model_info}). */
    RepoRevision revision(RepoId repo, String revision) throws InterruptedException {
        URI start = URI.create(settings.endpoint() + "/api/models/" + repo.value() + "/revision/" + encode(revision, false));
        HttpResponse<String> response = withRetries("list " + repo + " at revision " + revision, () -> {
            URI uri = start;
            for (int hop = 0; ; hop++) {
                HttpResponse<String> r = send(request(uri).GET().build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
                throwIfTransient(r.statusCode(), uri);
                Optional<String> location = r.headers().firstValue("Location");
                // A renamed repository answers with a redirect to its new name, which the Hub's clients follow.
                if (r.statusCode() < 300 || r.statusCode() >= 400 || location.isEmpty() || hop == MAX_REDIRECTS) {
                    return r;
                }
                uri = uri.resolve(location.get());
            }
        });
        if (response.statusCode() != 200) {
            throw failure(response.statusCode(), response.headers(), response.body(), repo, revision, null);
        }
        try {
            JsonNode json = new ObjectMapper().readTree(response.body());
            JsonNode siblings = json.path("siblings");
            if (!siblings.isArray()) {
                throw EngineException.loadFailed("the Hub's answer for " + repo + " at revision " + revision
                        + " lists no files (no 'siblings'): is " + settings.endpoint() + " a Hugging Face Hub?");
            }
            List<String> files = new ArrayList<>();
            for (JsonNode sibling : siblings) {
                String name = sibling.path("rfilename").asText("");
                if (!name.isEmpty()) {
                    files.add(name);
                }
            }
            String sha = json.path("sha").asText(null);
            return new RepoRevision(sha == null || sha.isBlank() ? null : sha, files);
        } catch (IOException e) {
            throw EngineException.loadFailed("the Hub's answer for " + repo + " at revision " + revision + " is not JSON: "
                    + e.getMessage());
        }
    }

    /**
     * {@code HEAD /{repo}/resolve/{revision}/{file}} with {@code Accept-Encoding: identity} (the real size),
     * following relative redirects only, as {@code _httpx_follow_relative_redirects_with_backoff} does.
     * Empty when the Hub says the file or revision is not there (404), so a caller can try another revision.
     */
    Optional<FileMetadata> metadata(RepoId repo, String revision, String file) throws InterruptedException {
        URI start = URI.create(settings.endpoint() + "/" + repo.value() + "/resolve/" + encode(revision, false) + "/" + encode(file, true));
        return withRetries("look up " + file + " of " + repo, () -> {
            URI uri = start;
            List<HttpHeaders> seen = new ArrayList<>();
            for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
                HttpResponse<?> r = send(request(uri).method("HEAD", HttpRequest.BodyPublishers.noBody())
                        .header("Accept-Encoding", "identity").build(), HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 405 || r.statusCode() == 501) {
                    r = headersOfGet(uri);
                }
                throwIfTransient(r.statusCode(), uri);
                seen.addFirst(r.headers());
                int status = r.statusCode();
                Optional<String> location = r.headers().firstValue("Location");
                if (status >= 300 && status < 400 && location.isPresent()) {
                    URI target = uri.resolve(location.get());
                    if (URI.create(location.get()).getRawAuthority() == null) {
                        uri = target;
                        continue;
                    }
                    return Optional.of(metadataFrom(seen, true, target));
                }
                if (status == 404) {
                    return Optional.empty();
                }
                if (status >= 400) {
                    throw failure(status, r.headers(), null, repo, revision, file);
                }
                return Optional.of(metadataFrom(seen, false, uri));
            }
            throw EngineException.loadFailed("more than " + MAX_REDIRECTS + " redirects looking up " + file + " of " + repo);
        });
    }

    /** For a server that does not answer HEAD: a GET whose body is not read. */
    private HttpResponse<?> headersOfGet(URI uri) throws IOException, InterruptedException {
        HttpResponse<java.io.InputStream> r = send(request(uri).GET().header("Accept-Encoding", "identity").build(),
                HttpResponse.BodyHandlers.ofInputStream());
        r.body().close();
        return r;
    }

    /**
     * The newest answer's headers, falling back to earlier redirect answers for what it lacks (a lenient
     * reading: the Hub itself puts them on every answer).
     */
    private static FileMetadata metadataFrom(List<HttpHeaders> newestFirst, boolean redirected, URI location) {
        String commit = first(newestFirst, "X-Repo-Commit");
        String linkedEtag = first(newestFirst, "X-Linked-Etag");
        String etag = FileMetadata.normalizeEtag(linkedEtag != null ? linkedEtag : first(newestFirst, "ETag"));
        String size = first(newestFirst, "X-Linked-Size");
        if (size == null && !redirected) {
            size = newestFirst.getFirst().firstValue("Content-Length").orElse(null);
        }
        long bytes = -1;
        try {
            bytes = size == null ? -1 : Long.parseLong(size.strip());
        } catch (NumberFormatException e) {
            // An unreadable size is an unknown one: the download then checks the ETag only.
        }
        return new FileMetadata(commit, etag, bytes, location);
    }

    private static String first(List<HttpHeaders> headers, String name) {
        return headers.stream().map(h -> h.firstValue(name).orElse(null)).filter(Objects::nonNull).findFirst().orElse(null);
    }

    /**
     * Brings {@code incomplete} up to the whole file at {@code location}: resumes from its current length
     * with a {@code Range} request, starts over when the server ignores the range, and retries a broken
     * connection from where it broke. {@code bytes} hears every change of the file's length (negative when
     * a partial file had to be dropped). Interruption leaves the partial file for the next try.
     *
     * @param expectedSize the size the Hub announced, or -1
     */
    void download(URI location, long expectedSize, Path incomplete, LongConsumer bytes, String what)
            throws IOException, InterruptedException {
        int failures = 0;
        while (true) {
            long have = Files.exists(incomplete) ? Files.size(incomplete) : 0;
            if (expectedSize >= 0 && have > expectedSize) {
                LOG.warn("{}: the partial file is longer than the file ({} > {} bytes); starting over", what, have, expectedSize);
                truncate(incomplete, bytes, have);
                have = 0;
            }
            if (expectedSize >= 0 && have == expectedSize && have > 0) {
                return;
            }
            long before = have;
            try {
                fetch(location, have, expectedSize, incomplete, bytes);
                long got = Files.size(incomplete);
                if (expectedSize < 0 || got == expectedSize) {
                    return;
                }
                throw new Transient("the connection ended after " + got + " of " + expectedSize + " bytes", null);
            } catch (Transient e) {
                long now = Files.exists(incomplete) ? Files.size(incomplete) : 0;
                failures = now > before ? 1 : failures + 1;
                if (failures > retry.maxRetries()) {
                    throw EngineException.loadFailed("downloading " + what + " failed " + failures + " times in a row ("
                            + e.getMessage() + "); " + now + " bytes are kept in " + incomplete + ": run again to resume");
                }
                Duration wait = retry.delay(failures);
                LOG.warn("{}: {}; resuming at byte {} in {} ms (try {} of {})", what, e.getMessage(), now, wait.toMillis(),
                        failures, retry.maxRetries());
                Thread.sleep(wait);
            }
        }
    }

    /** One GET of the rest of the file, following redirects; throws {@link Transient} for what a retry may fix. */
    private void fetch(URI location, long have, long expectedSize, Path incomplete, LongConsumer bytes)
            throws IOException, InterruptedException {
        URI uri = location;
        for (int hop = 0; hop <= MAX_REDIRECTS; hop++) {
            HttpRequest.Builder request = request(uri).GET().header("Accept-Encoding", "identity");
            if (have > 0) {
                request.header("Range", "bytes=" + have + "-");
            }
            AtomicReference<String> errorBody = new AtomicReference<>();
            try (FileChannel channel = FileChannel.open(incomplete, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND)) {
                BlobWriter writer = new BlobWriter(channel, bytes);
                CompletableFuture<HttpResponse<Long>> pending = http.sendAsync(request.build(), info -> {
                    int status = info.statusCode();
                    if (status == 200 || (status == 206 && rangeStartsAt(info.headers(), have))) {
                        if (status == 200 && have > 0) {
                            // The server ignored the range: the whole file comes again.
                            writer.restart(have);
                        }
                        return writer;
                    }
                    if (status >= 400) {
                        return BodySubscribers.mapping(BodySubscribers.ofString(StandardCharsets.UTF_8), body -> {
                            errorBody.set(body);
                            return -1L;
                        });
                    }
                    return BodySubscribers.replacing(-1L);
                });
                HttpResponse<Long> response = await(pending, writer);
                int status = response.statusCode();
                Optional<String> redirect = response.headers().firstValue("Location");
                if (status >= 300 && status < 400 && redirect.isPresent()) {
                    uri = uri.resolve(redirect.get());
                    continue;
                }
                if (status == 200 || status == 206) {
                    if (response.body() < 0) {
                        // A 206 for another range than asked for: drop the partial file and ask for all of it.
                        writer.close();
                        truncate(incomplete, bytes, have);
                        throw new Transient("the server answered another range than bytes=" + have + "-", null);
                    }
                    return;
                }
                if (status == 416 && have > 0) {
                    // The range starts at or past the end: what we have is all there is, or it is wrong.
                    if (expectedSize < 0 || have == expectedSize) {
                        return;
                    }
                    truncate(incomplete, bytes, have);
                    throw new Transient("the server refused the range bytes=" + have + "-", null);
                }
                throwIfTransient(status, uri);
                throw EngineException.loadFailed("the server answered " + status + " for " + uri.getHost() + uri.getPath()
                        + message(errorBody.get()));
            }
        }
        throw EngineException.loadFailed("more than " + MAX_REDIRECTS + " redirects downloading " + location);
    }

    private static boolean rangeStartsAt(HttpHeaders headers, long have) {
        Optional<String> range = headers.firstValue("Content-Range");
        if (range.isEmpty()) {
            return true;
        }
        Matcher m = CONTENT_RANGE.matcher(range.get().strip());
        return m.matches() && Long.parseLong(m.group(1)) == have;
    }

    private static void truncate(Path incomplete, LongConsumer bytes, long had) throws IOException {
        try (FileChannel channel = FileChannel.open(incomplete, StandardOpenOption.WRITE)) {
            channel.truncate(0);
        }
        bytes.accept(-had);
    }

    /** Waits for a body, giving up when no bytes came for the timeout; interruption cancels the exchange. */
    private <T> HttpResponse<T> await(CompletableFuture<HttpResponse<T>> pending, BlobWriter writer)
            throws IOException, InterruptedException {
        long timeoutNanos = retry.timeout().toNanos();
        try {
            while (true) {
                try {
                    return pending.get(Math.max(1, Math.min(250, retry.timeout().toMillis())), TimeUnit.MILLISECONDS);
                } catch (TimeoutException e) {
                    if (System.nanoTime() - writer.lastActivity() > timeoutNanos) {
                        throw new Transient("no data for " + retry.timeout().toSeconds() + " s", null);
                    }
                }
            }
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof DiskWriteFailure d) {
                throw d;
            }
            if (cause instanceof IOException io) {
                throw transientOrFatal(io);
            }
            throw new IOException(cause);
        } finally {
            // Stops writes before the caller closes the file, on success too (a no-op then).
            writer.close();
            pending.cancel(true);
        }
    }

    private HttpRequest.Builder request(URI uri) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(retry.timeout()).header("User-Agent", USER_AGENT);
        // huggingface_hub drops the token when the file's host is not the Hub's (a CDN with a signed URL).
        if (settings.token() != null && sameOrigin(uri, settings.endpoint())) {
            b.header("Authorization", "Bearer " + settings.token());
        }
        return b;
    }

    static boolean sameOrigin(URI a, URI b) {
        return Objects.equals(a.getScheme(), b.getScheme()) && Objects.equals(a.getHost(), b.getHost())
                && port(a) == port(b);
    }

    private static int port(URI uri) {
        return uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
    }

    private <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        try {
            return http.send(request, handler);
        } catch (IOException e) {
            throw transientOrFatal(e);
        }
    }

    /** A host that does not exist will not appear on retry; every other network error may heal. */
    private IOException transientOrFatal(IOException e) {
        if (e instanceof UnknownHostException || e.getCause() instanceof UnknownHostException) {
            return new IOException("unknown host " + settings.endpoint().getHost()
                    + " (no network? behind a proxy? set " + HubSettings.HF_ENDPOINT + ", or " + HubSettings.HF_HUB_OFFLINE + "=1 to use the cache only)", e);
        }
        String what = e instanceof HttpTimeoutException ? "timed out" : e instanceof java.net.ConnectException ? "no connection"
                : e.getMessage() != null ? e.getMessage() : "a network error";
        return new Transient(what, e);
    }

    private static void throwIfTransient(int status, URI uri) throws Transient {
        if (RETRIED.contains(status)) {
            throw new Transient(uri.getHost() + " answered " + status, null);
        }
    }

    @FunctionalInterface
    private interface Call<T> {
        T call() throws IOException, InterruptedException;
    }

    /** Runs a metadata call, retrying transient failures with backoff. */
    private <T> T withRetries(String what, Call<T> call) throws InterruptedException {
        for (int attempt = 0; ; attempt++) {
            try {
                return call.call();
            } catch (Transient e) {
                if (attempt >= retry.maxRetries()) {
                    throw EngineException.loadFailed("cannot " + what + " on " + settings.endpoint() + ": " + e.getMessage()
                            + " (gave up after " + (attempt + 1) + " tries); check the network, or set " + HubSettings.HF_HUB_OFFLINE + "=1 to use the local cache only");
                }
                Duration wait = retry.delay(attempt + 1);
                LOG.warn("cannot {}: {}; retrying in {} ms", what, e.getMessage(), wait.toMillis());
                Thread.sleep(wait);
            } catch (IOException e) {
                throw EngineException.loadFailed("cannot " + what + " on " + settings.endpoint() + ": " + e.getMessage());
            }
        }
    }

    /** The Hub's refusals, in words that say what to do ({@code utils/_http.py}'s {@code hf_raise_for_status}). */
    private EngineException failure(int status, HttpHeaders headers, String body, RepoId repo, String revision, String file) {
        String code = headers.firstValue("X-Error-Code").orElse("");
        String detail = message(headers.firstValue("X-Error-Message").orElse(body));
        String page = HubSettings.DEFAULT_ENDPOINT.equals(settings.endpoint().toString())
                ? "https://huggingface.co/" + repo : settings.endpoint() + "/" + repo;
        String tokenHint = settings.token() == null
                ? "set " + HubSettings.HF_TOKEN + " to a token of an account that can read it (https://huggingface.co/settings/tokens)"
                : "the token in " + HubSettings.HF_TOKEN + " (or the token file) was refused or lacks access: check it";
        return switch (status) {
            case 401 -> new EngineException(EngineException.Kind.LOAD_FAILED, repo + " needs authentication (401: gated or private, "
                    + "or the name is wrong): " + tokenHint + ", and accept the model's licence on " + page + detail);
            case 403 -> new EngineException(EngineException.Kind.LOAD_FAILED, "access to " + repo + " is refused (403"
                    + (code.isEmpty() ? "" : ", " + code) + "): it is gated; accept its licence on " + page
                    + " with the account whose token is in " + HubSettings.HF_TOKEN + (settings.token() == null ? " (none is set)" : "") + detail);
            case 404 -> EngineException.notFound(switch (code) {
                case "RevisionNotFound" -> "revision '" + revision + "' of " + repo + " does not exist on " + settings.endpoint();
                case "EntryNotFound" -> repo + " has no file " + file + " at revision '" + revision + "'";
                default -> repo + " (revision '" + revision + "') was not found on " + settings.endpoint()
                        + ": check the id and revision" + (settings.token() == null ? "; a private repository needs " + HubSettings.HF_TOKEN : "");
            } + detail);
            default -> EngineException.loadFailed("the Hub answered " + status + " for " + repo + " at revision '" + revision + "'"
                    + (file == null ? "" : " (" + file + ")") + detail);
        };
    }

    private static String message(String text) {
        if (text == null || text.isBlank()) {
            return "";
        }
        String t = text.strip();
        try {
            JsonNode json = new ObjectMapper().readTree(t);
            if (json.hasNonNull("error")) {
                t = json.get("error").asText();
            }
        } catch (IOException e) {
            // Not JSON: the text itself.
        }
        return " (" + (t.length() > 300 ? t.substring(0, 300) + "…" : t) + ")";
    }

    /** Percent-encodes a path segment (or a path, keeping its {@code /}), as {@code urllib.parse.quote}. */
    static String encode(String s, boolean keepSlashes) {
        StringBuilder out = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_'
                    || c == '.' || c == '~' || (keepSlashes && c == '/')) {
                out.append((char) c);
            } else {
                out.append('%').append(String.format("%02X", c));
            }
        }
        return out.toString();
    }

    @Override
    public void close() {
        // Every exchange has ended or been cancelled by now; nothing is left to wait for.
        http.shutdownNow();
    }
}
