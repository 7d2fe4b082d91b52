package dev.peftbench.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.engine.hub.FakeHub;
import dev.peftbench.contract.BundledSample;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code pull}, {@code generate} and {@code serve} with Hub ids, run as a user runs them: a separate
 * process whose environment points HF_ENDPOINT at a fake Hub and HF_HUB_CACHE at a fresh cache.
 */
@Timeout(180)
class HubIdCommandsTest {

    private static final Path HOME = Path.of("..").toAbsolutePath().normalize();
    private static final Path MODEL = HOME.resolve("sample-data/models").resolve(BundledSample.MODEL);
    private static final Path ADAPTER = HOME.resolve("sample-data/models").resolve(BundledSample.ADAPTER);
    private static final String PROMPT = "Every day is a new binning, filled with optionpiening and hope";
    private static FakeHub hub;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startHub() {
        hub = FakeHub.start().serve("bigscience/tiny-bloom", MODEL).serve("aipipeline/tiny-pt", ADAPTER)
                .serve("meta/gated", MODEL).gate("meta/gated", "hf_granted");
    }

    @AfterAll
    static void stopHub() {
        hub.close();
    }

    /** The environment of a user with this fake Hub and a cache of their own. */
    private Map<String, String> env(Path cache) {
        Map<String, String> env = new HashMap<>();
        env.put("HF_ENDPOINT", hub.endpoint().toString());
        env.put("HF_HUB_CACHE", cache.toString());
        env.put("HF_HOME", tmp.resolve("hf-home").toString());
        return env;
    }

    private static ProcessBuilder cli(Map<String, String> env, String... args) {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Dai.djl.offline=true",
                "-Dpeftbench.home=" + HOME, "-cp", System.getProperty("java.class.path"), PeftbenchCli.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        for (String name : List.of("HF_ENDPOINT", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE",
                "HF_HOME", "HF_TOKEN_PATH", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "PRETRAINED_MODEL_PATH", "PEFT_MODEL_ID")) {
            pb.environment().remove(name);
        }
        pb.environment().putAll(env);
        return pb;
    }

    private CliRun run(Map<String, String> env, String... args) throws IOException, InterruptedException {
        Path err = Files.createTempFile(tmp, "stderr", ".txt");
        Process p = cli(env, args).redirectError(err.toFile()).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        return new CliRun(p.exitValue(), out, Files.readString(err));
    }

    private static List<String> filesUnder(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(f -> f.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void pullFillsTheCacheWithTheSourceFilesAndPrintsTheSnapshot() throws Exception {
        Path cache = tmp.resolve("cache");
        CliRun r = run(env(cache), "pull", "bigscience/tiny-bloom");

        assertEquals(0, r.code(), r.err());
        Path snapshot = Path.of(r.out().strip());
        assertEquals(cache.resolve("models--bigscience--tiny-bloom/snapshots").resolve(hub.commit("bigscience/tiny-bloom")), snapshot);
        assertEquals(filesUnder(MODEL), filesUnder(snapshot));
        for (String f : filesUnder(MODEL)) {
            assertArrayEquals(Files.readAllBytes(MODEL.resolve(f)), Files.readAllBytes(snapshot.resolve(f)), f);
        }
        assertTrue(r.err().contains("downloading bigscience/tiny-bloom 100%"), r.err());

        CliRun json = run(env(cache), "pull", "aipipeline/tiny-pt", "--json");
        assertEquals(0, json.code(), json.err());
        JsonNode node = new ObjectMapper().readTree(json.out());
        assertEquals("aipipeline/tiny-pt", node.get("repo").asText());
        assertEquals(hub.commit("aipipeline/tiny-pt"), node.get("commit").asText());
        assertEquals(List.of("adapter_config.json", "adapter_model.safetensors"),
                new ObjectMapper().convertValue(node.get("files"), List.class).stream().sorted().toList());
        assertEquals(1, json.out().strip().lines().count());
    }

    @Test
    void generateWithHubIdsDownloadsThemAndAnswersAsFromTheFolders() throws Exception {
        CliRun fromFolders = CliRun.inProcess("generate", "--json", "--model", MODEL.toString(),
                "--adapter", ADAPTER.toString(), "--prompt", PROMPT);
        assertEquals(0, fromFolders.code(), fromFolders.err());

        CliRun fromHub = run(env(tmp.resolve("cache")), "generate", "--json", "--model", "bigscience/tiny-bloom",
                "--adapter", "aipipeline/tiny-pt", "--prompt", PROMPT);

        assertEquals(0, fromHub.code(), fromHub.err());
        ObjectMapper json = new ObjectMapper();
        assertEquals(json.readTree(fromFolders.out()).get("text"), json.readTree(fromHub.out()).get("text"));
        assertEquals(json.readTree(fromFolders.out()).get("generated_token_ids"), json.readTree(fromHub.out()).get("generated_token_ids"));
        assertTrue(fromHub.err().contains("downloading bigscience/tiny-bloom"), fromHub.err());
    }

    @Test
    void offlineGenerateTouchesNoNetworkAndSaysWhatIsMissing() throws Exception {
        Map<String, String> env = env(tmp.resolve("cache"));
        env.put("HF_HUB_OFFLINE", "1");
        int requests = hub.requests().size();

        CliRun r = run(env, "generate", "--model", "bigscience/tiny-bloom", "--prompt", "x");

        assertEquals(1, r.code());
        List<String> errors = r.err().lines().filter(l -> l.startsWith("error: ")).toList();
        assertEquals(1, errors.size(), r.err());
        assertTrue(errors.getFirst().contains("bigscience/tiny-bloom") && errors.getFirst().contains("HF_HUB_OFFLINE")
                && errors.getFirst().contains(tmp.resolve("cache").toString()), errors.getFirst());
        assertEquals(requests, hub.requests().size(), "no request reached the Hub");
    }

    @Test
    void aGatedRepositoryEndsInOneLineSayingToSetHfToken() throws Exception {
        CliRun r = run(env(tmp.resolve("cache")), "pull", "meta/gated");

        assertEquals(1, r.code());
        assertTrue(r.err().lines().anyMatch(l -> l.startsWith("error: ") && l.contains("HF_TOKEN") && l.contains("licence")), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }

    @Test
    void serveWithHubIdsDownloadsThemAndAnswersTheReferenceRequest() throws Exception {
        CliRun fromFolders = CliRun.inProcess("generate", "--json", "--model", MODEL.toString(),
                "--adapter", ADAPTER.toString(), "--prompt", PROMPT);
        String expected = new ObjectMapper().readTree(fromFolders.out()).get("text").asText();
        int http = freePort();
        Process server = cli(env(tmp.resolve("cache")), "serve", "--model", "bigscience/tiny-bloom", "--adapter", "aipipeline/tiny-pt",
                "--name", "peft-demo", "--host", "127.0.0.1", "--http-port", String.valueOf(http), "--grpc-port", String.valueOf(freePort()))
                .redirectErrorStream(true).redirectOutput(tmp.resolve("serve.log").toFile()).start();
        try (HttpClient client = HttpClient.newHttpClient()) {
            URI base = URI.create("http://127.0.0.1:" + http);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
            int ready = 0;
            while (ready != 200 && System.nanoTime() < deadline && server.isAlive()) {
                Thread.sleep(200);
                try {
                    ready = client.send(HttpRequest.newBuilder(base.resolve("/v2/models/peft-demo/ready")).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode();
                } catch (IOException notYet) {
                    ready = 0;
                }
            }
            assertEquals(200, ready, Files.readString(tmp.resolve("serve.log")));
            HttpResponse<String> answer = client.send(HttpRequest.newBuilder(base.resolve("/v2/models/peft-demo/infer"))
                    .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofFile(HOME.resolve("sample-data/input.json"))).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, answer.statusCode(), answer.body());
            String b64 = new ObjectMapper().readTree(answer.body()).at("/outputs/0/contents/bytesContents/0").asText();
            assertEquals(expected, new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8));
        } finally {
            server.destroy();
            server.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
