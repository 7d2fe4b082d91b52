package dev.peftbench.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.contract.Setting;
import dev.peftbench.engine.Engine;
import dev.peftbench.engine.EngineOptions;
import dev.peftbench.engine.ServedModel;
import dev.peftbench.serve.repository.ModelState;
import dev.peftbench.serve.repository.ModelStatus;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code serve --model BASE --adapters tweets=DIR,lora=DIR}: three names on one base model, each request
 * choosing its adapter by the model it names, over v2 and the OpenAI routes. The folders are copies outside
 * the sample data, so only the startup flags let the repository API load from them.
 */
class AdaptersOnOneBaseTest {

    private static final Path SAMPLE = Path.of("..", "sample-data", "models").toAbsolutePath().normalize();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TWEET = "Every day is a new binning, filled with optionpiening and hope";

    @TempDir
    static Path tmp;
    private static Engine engine;
    private static InferenceServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        Path base = copy(SAMPLE.resolve("tiny-bloom"), tmp.resolve("base"));
        Path tweets = copy(SAMPLE.resolve("tiny-bloom-prompt-tuning"), tmp.resolve("adapters/tweets"));
        Path lora = copy(SAMPLE.resolve("tiny-bloom-lora"), tmp.resolve("adapters/lora"));
        engine = new Engine(EngineOptions.defaults());
        ServeConfig config = ServeConfig.resolve(Map.of(Setting.BASE_MODEL, base.toString(), Setting.HTTP_PORT, "0",
                Setting.GRPC_PORT, "0", Setting.ADAPTERS, "tweets=" + tweets + ",lora=" + lora), Map.of());
        server = InferenceServer.start(config, engine);
        List<ModelStatus> models = TestEngines.awaitLoaded(server, Duration.ofMinutes(2));
        assertTrue(models.stream().allMatch(m -> m.state() == ModelState.READY), models.toString());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
        if (engine != null) {
            engine.close();
        }
    }

    private static Path copy(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.copy(f, to.resolve(f.getFileName().toString()));
            }
        }
        return to;
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private String v2Generated(String model) throws Exception {
        HttpResponse<String> r = post("/v2/models/" + model + "/infer", "{\"inputs\":[{\"name\":\"content\",\"shape\":[1],"
                + "\"datatype\":\"BYTES\",\"data\":[\"" + TWEET + "\"]}]}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode answer = JSON.readTree(r.body());
        assertEquals(model, answer.path("model_name").asText());
        return answer.at("/outputs/0/data/0").asText();
    }

    @Test
    void everyNameIsServedOnOneCopyOfTheBaseModel() {
        List<ServedModel> served = engine.models();
        assertEquals(List.of("lora", "peft-demo", "tweets"), served.stream().map(ServedModel::name).sorted().toList());
        // one base model: every name's model facts are the one loaded base's
        assertSame(served.get(0).base(), served.get(1).base());
        assertSame(served.get(1).base(), served.get(2).base());
    }

    @Test
    void theModelNameChoosesTheAdapterOverV2AndOpenAi() throws Exception {
        String tweets = v2Generated("tweets");
        assertTrue(tweets.endsWith("Label : no complaint"), "the bundled prompt-tuning adapter's answer: " + tweets);
        assertNotEquals(tweets, v2Generated("peft-demo"), "the bare base model answers otherwise");

        HttpResponse<String> completion = post("/v1/completions", "{\"model\": \"tweets\", \"prompt\": \"" + TWEET
                + "\", \"max_tokens\": 10}");
        assertEquals(200, completion.statusCode(), completion.body());
        JsonNode c = JSON.readTree(completion.body());
        assertEquals("tweets", c.path("model").asText());
        assertEquals("no complaint", c.at("/choices/0/text").asText());
        HttpResponse<String> lora = post("/v1/completions", "{\"model\": \"lora\", \"prompt\": \"" + TWEET + "\", \"max_tokens\": 3}");
        assertEquals(200, lora.statusCode(), lora.body());
        assertEquals("lora", JSON.readTree(lora.body()).path("model").asText());
    }

    @Test
    void theRepositoryApiLoadsFromTheStartupAdaptersFoldersWithoutAllowLoadFrom() throws Exception {
        HttpResponse<String> load = post("/v2/repository/models/tweets-again/load", "{\"parameters\": {\"adapter\": \""
                + tmp.resolve("adapters/tweets") + "\"}}");
        assertEquals(200, load.statusCode(), load.body());
        HttpResponse<String> outside = post("/v2/repository/models/elsewhere/load", "{\"parameters\": {\"adapter\": \""
                + SAMPLE.resolve("tiny-bloom-lora") + "\"}}");
        assertEquals(403, outside.statusCode(), "other folders still need --allow-load-from: " + outside.body());
    }
}
