package dev.peftbench.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.engine.Engine;
import dev.peftbench.engine.EngineOptions;
import dev.peftbench.engine.GenerationRequest;
import dev.peftbench.engine.GenerationResult;
import dev.peftbench.engine.TokenListener;
import dev.peftbench.engine.TokenLogprobs;
import dev.peftbench.engine.generate.SamplingParams;
import dev.peftbench.serve.repository.LoadPolicy;
import dev.peftbench.serve.repository.ModelState;
import dev.peftbench.serve.repository.ModelStatus;
import dev.peftbench.serve.v2.grpc.proto.GRPCInferenceServiceGrpc;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.InferParameter;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.InferTensorContents;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ModelInferRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * OpenAI's log-probabilities (completions' legacy form with {@code echo}, chat's {@code content} list, both streamed)
 * and vLLM's {@code guided_choice} on both OpenAI routes and v2, on the real server and engine with the bundled
 * sample (tiny-bloom + its prompt-tuning adapter), the numbers checked against the engine's own.
 */
class LogprobsAndGuidedChoiceTest {

    private static final Path SAMPLE = Path.of("..", "sample-data").toAbsolutePath().normalize();
    private static final String MODEL = "peft-demo";
    private static final String INPUT = "Every day is a new binning, filled with optionpiening and hope";
    private static final String TEMPLATED = "Tweet text : " + INPUT + " Label : ";
    private static final List<String> LABELS = List.of("complaint", "no complaint");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Engine engine;
    private static InferenceServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        engine = new Engine(EngineOptions.defaults());
        ServeConfig config = ServeConfig.defaults()
                .withModel(MODEL, ModelFields.of(SAMPLE.resolve("models/tiny-bloom").toString(),
                        SAMPLE.resolve("models/tiny-bloom-prompt-tuning").toString()))
                .withHost("127.0.0.1").withPorts(0, 0).withGrpcMaxMessageBytes(-1).withMaxRequestBytes(64 * 1024)
                .withLoads(LoadPolicy.DEFAULT.withRoots(List.of(SAMPLE)))
                .withShutdownGrace(Duration.ofSeconds(10));
        server = InferenceServer.start(config, engine);
        List<ModelStatus> models = TestEngines.awaitLoaded(server, Duration.ofMinutes(2));
        assertEquals(ModelState.READY, models.getFirst().state(), "sample model did not load: " + models);
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

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private JsonNode ok(String path, ObjectNode body) throws Exception {
        HttpResponse<String> r = post(path, body.toString());
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body());
    }

    private static ObjectNode completion(int maxTokens) {
        return JSON.createObjectNode().put("model", MODEL).put("prompt", INPUT).put("max_tokens", maxTokens);
    }

    private static ObjectNode chat(int maxTokens) {
        ObjectNode body = JSON.createObjectNode().put("model", MODEL).put("max_tokens", maxTokens);
        body.putArray("messages").addObject().put("role", "user").put("content", "Classify: great service");
        return body;
    }

    /** The same request straight to the engine, for the numbers the server must pass on. */
    private static GenerationResult direct(int maxTokens, int top, boolean prompt) {
        return engine.generate(GenerationRequest.of(MODEL, INPUT, SamplingParams.DEFAULT.withMaxNewTokens(maxTokens)
                .withLogprobs(new SamplingParams.Logprobs(top, prompt))), TokenListener.NONE);
    }

    private static List<String> events(HttpResponse<String> r) throws Exception {
        assertEquals(200, r.statusCode(), r.body());
        List<String> events = r.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
        assertEquals("[DONE]", events.getLast());
        return events.subList(0, events.size() - 1);
    }

    @Test
    void completionLogprobsListEveryTokenWithItsTopAlternativesInOpenAisLegacyForm() throws Exception {
        JsonNode choice = ok("/v1/completions", completion(6).put("logprobs", 3)).at("/choices/0");
        GenerationResult expected = direct(6, 3, false);
        JsonNode lp = choice.get("logprobs");
        assertEquals(expected.generatedText(), choice.get("text").asText());
        assertEquals(expected.logprobs().size(), lp.get("tokens").size());
        int offset = 0;
        for (int i = 0; i < expected.logprobs().size(); i++) {
            TokenLogprobs t = expected.logprobs().get(i);
            assertEquals(t.token(), lp.at("/tokens/" + i).asText());
            assertEquals(t.logprob(), lp.at("/token_logprobs/" + i).asDouble(), 1e-12);
            assertEquals(offset, lp.at("/text_offset/" + i).asInt(), "where token " + i + "'s text starts");
            offset += t.text().length();
            JsonNode top = lp.at("/top_logprobs/" + i);
            assertTrue(top.size() >= 3 && top.size() <= 4, "the top 3 and the token itself: " + top);
            assertEquals(t.logprob(), top.get(t.token()).asDouble(), 1e-12);
            assertEquals(t.top().getFirst().logprob(), top.get(t.top().getFirst().token()).asDouble(), 1e-12);
        }
        assertEquals(choice.get("text").asText().length(), offset);
    }

    @Test
    void echoWithLogprobsReturnsThePromptsTokensFirstTheFirstWithoutALogprob() throws Exception {
        JsonNode out = ok("/v1/completions", completion(4).put("logprobs", 1).put("echo", true));
        JsonNode choice = out.at("/choices/0");
        GenerationResult expected = direct(4, 1, true);
        assertEquals(TEMPLATED + expected.generatedText(), choice.get("text").asText());
        JsonNode lp = choice.get("logprobs");
        int prompt = out.at("/usage/prompt_tokens").asInt();
        assertEquals(prompt + out.at("/usage/completion_tokens").asInt(), lp.get("tokens").size());
        assertTrue(lp.at("/token_logprobs/0").isNull() && lp.at("/top_logprobs/0").isNull(), lp.toString());
        assertEquals(0, lp.at("/text_offset/0").asInt());
        for (int q = 1; q < prompt; q++) {
            assertEquals(expected.promptLogprobs().get(q).logprob(), lp.at("/token_logprobs/" + q).asDouble(), 1e-12);
        }
        assertEquals(TEMPLATED.length(), lp.at("/text_offset/" + prompt).asInt(), "the answer's first token starts after the prompt");
        assertEquals(expected.logprobs().getFirst().logprob(), lp.at("/token_logprobs/" + prompt).asDouble(), 1e-12);
    }

    @Test
    void echoWithoutLogprobsPutsThePromptBeforeTheAnswer() throws Exception {
        JsonNode choice = ok("/v1/completions", completion(3).put("echo", true)).at("/choices/0");
        assertTrue(choice.get("text").asText().startsWith(TEMPLATED), choice.toString());
        assertTrue(choice.get("logprobs").isNull());
    }

    @Test
    void streamedCompletionChunksCarryTheirTokensWithOffsetsGoingOn() throws Exception {
        JsonNode whole = ok("/v1/completions", completion(6).put("logprobs", 2)).at("/choices/0/logprobs");
        List<String> tokens = new ArrayList<>();
        List<Integer> offsets = new ArrayList<>();
        for (String e : events(post("/v1/completions", completion(6).put("logprobs", 2).put("stream", true).toString()))) {
            JsonNode lp = JSON.readTree(e).at("/choices/0/logprobs");
            lp.get("tokens").forEach(t -> tokens.add(t.asText()));
            lp.get("text_offset").forEach(o -> offsets.add(o.asInt()));
        }
        assertEquals(JSON.convertValue(whole.get("tokens"), List.class), tokens);
        assertEquals(JSON.convertValue(whole.get("text_offset"), List.class), offsets);
    }

    @Test
    void chatLogprobsGiveEachTokenItsBytesAndTopAlternatives() throws Exception {
        JsonNode out = ok("/v1/chat/completions", chat(5).put("logprobs", true).put("top_logprobs", 2));
        JsonNode content = out.at("/choices/0/logprobs/content");
        assertEquals(out.at("/usage/completion_tokens").asInt(), content.size());
        for (JsonNode t : content) {
            byte[] utf8 = t.get("token").asText().getBytes(StandardCharsets.UTF_8);
            assertEquals(utf8.length, t.get("bytes").size());
            for (int i = 0; i < utf8.length; i++) {
                assertEquals(utf8[i] & 0xff, t.at("/bytes/" + i).asInt());
            }
            assertTrue(t.get("logprob").asDouble() <= 0);
            assertEquals(2, t.get("top_logprobs").size());
            JsonNode best = t.at("/top_logprobs/0");
            assertTrue(best.get("logprob").asDouble() >= t.at("/top_logprobs/1/logprob").asDouble());
            assertTrue(best.get("logprob").asDouble() >= t.get("logprob").asDouble() - 1e-12, "greedy: the token is the best");
            assertTrue(best.has("bytes"));
        }
        JsonNode none = ok("/v1/chat/completions", chat(2).put("logprobs", true));
        assertEquals(0, none.at("/choices/0/logprobs/content/0/top_logprobs").size(), "top_logprobs defaults to 0");
        assertTrue(ok("/v1/chat/completions", chat(2)).at("/choices/0/logprobs").isNull());
    }

    @Test
    void streamedChatChunksCarryTheLogprobsOfTheTokensTheirTextCameFrom() throws Exception {
        JsonNode whole = ok("/v1/chat/completions", chat(6).put("logprobs", true).put("top_logprobs", 1))
                .at("/choices/0/logprobs/content");
        ArrayNode streamed = JSON.createArrayNode();
        for (String e : events(post("/v1/chat/completions", chat(6).put("logprobs", true).put("top_logprobs", 1)
                .put("stream", true).toString()))) {
            JsonNode lp = JSON.readTree(e).at("/choices/0/logprobs");
            if (!lp.isNull() && !lp.isMissingNode()) {
                streamed.addAll((ArrayNode) lp.get("content"));
            }
        }
        assertEquals(whole, streamed);
    }

    @Test
    void outOfRangeOrMalformedFieldsAre400NamingTheField() throws Exception {
        record Bad(String path, ObjectNode body, String words) {
        }
        ObjectNode tooMany = completion(4);
        ArrayNode many = tooMany.putArray("guided_choice");
        for (int i = 0; i <= SamplingParams.MAX_CHOICES; i++) {
            many.add("c" + i);
        }
        ObjectNode tooLong = completion(4);
        tooLong.putArray("guided_choice").add("x".repeat(SamplingParams.MAX_CHOICE_CHARS + 1));
        ObjectNode empty = chat(4);
        empty.putArray("guided_choice");
        ObjectNode numbers = chat(4);
        numbers.putArray("guided_choice").add(1);
        ObjectNode json = chat(4);
        json.putObject("structured_outputs").putObject("json");
        for (Bad bad : List.of(
                new Bad("/v1/completions", completion(4).put("logprobs", 6), "\"logprobs\" must be between 0 and 5"),
                new Bad("/v1/completions", completion(4).put("logprobs", -1), "\"logprobs\""),
                new Bad("/v1/completions", completion(4).put("echo", true).put("stream", true), "\"echo\""),
                new Bad("/v1/chat/completions", chat(4).put("logprobs", true).put("top_logprobs", 21), "\"top_logprobs\" must be between 0 and 20"),
                new Bad("/v1/chat/completions", chat(4).put("top_logprobs", 2), "\"top_logprobs\" needs \"logprobs\": true"),
                new Bad("/v1/chat/completions", chat(4).put("logprobs", 1), "\"logprobs\" must be true or false"),
                new Bad("/v1/completions", tooMany, "guided_choice"),
                new Bad("/v1/completions", tooLong, "guided_choice"),
                new Bad("/v1/chat/completions", empty, "guided_choice"),
                new Bad("/v1/chat/completions", numbers, "guided_choice"),
                new Bad("/v1/chat/completions", json, "structured_outputs"),
                new Bad("/v1/completions", completion(1).set("guided_choice", JSON.valueToTree(LABELS)), "new tokens this request allows"))) {
            HttpResponse<String> r = post(bad.path(), bad.body().toString());
            assertEquals(400, r.statusCode(), bad.body() + " -> " + r.body());
            String message = JSON.readTree(r.body()).at("/error/message").asText();
            assertTrue(message.contains(bad.words()), bad.body() + " -> " + message);
        }
    }

    @Test
    void guidedChoiceHoldsEveryAnswerToAChoiceOnBothOpenAiRoutes() throws Exception {
        for (int seed = 0; seed < 8; seed++) {
            ObjectNode c = completion(6).put("temperature", 2.0).put("seed", seed);
            c.set("guided_choice", JSON.valueToTree(LABELS));
            String text = ok("/v1/completions", c).at("/choices/0/text").asText();
            assertTrue(LABELS.contains(text), "seed " + seed + ": " + text);
            ObjectNode m = chat(6).put("temperature", 2.0).put("seed", seed);
            m.putObject("structured_outputs").set("choice", JSON.valueToTree(LABELS));
            String content = ok("/v1/chat/completions", m).at("/choices/0/message/content").asText();
            assertTrue(LABELS.contains(content), "seed " + seed + ": " + content);
        }
        ObjectNode greedy = completion(6);
        greedy.set("guided_choice", JSON.valueToTree(LABELS));
        JsonNode choice = ok("/v1/completions", greedy).at("/choices/0");
        assertEquals("stop", choice.get("finish_reason").asText(), "a choice ends with the model's eos");
    }

    @Test
    void v2TakesGuidedChoiceAsAJsonArrayParameterOnRestAndGrpc() throws Exception {
        String choices = JSON.writeValueAsString(LABELS);
        ObjectNode infer = JSON.createObjectNode();
        ObjectNode in = infer.putArray("inputs").addObject().put("name", "content").put("datatype", "BYTES");
        in.putArray("shape").add(1);
        in.putArray("data").add(INPUT);
        infer.putObject("parameters").put("guided_choice", choices).put("temperature", 2.0).put("seed", 3);
        String text = ok("/v2/models/" + MODEL + "/infer", infer).at("/outputs/0/data/0").asText();
        assertTrue(text.startsWith(TEMPLATED) && LABELS.contains(text.substring(TEMPLATED.length())), text);

        ObjectNode generate = JSON.createObjectNode().put("text_input", INPUT);
        generate.putObject("parameters").put("guided_choice", choices);
        assertTrue(LABELS.contains(ok("/v2/models/" + MODEL + "/generate", generate).get("text_output").asText()));

        ObjectNode bad = JSON.createObjectNode().put("text_input", INPUT);
        bad.putObject("parameters").put("guided_choice", "complaint");
        HttpResponse<String> refused = post("/v2/models/" + MODEL + "/generate", bad.toString());
        assertEquals(400, refused.statusCode(), refused.body());
        assertTrue(refused.body().contains("guided_choice"), refused.body());

        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        try {
            var r = GRPCInferenceServiceGrpc.newBlockingStub(channel).modelInfer(ModelInferRequest.newBuilder().setModelName(MODEL)
                    .putParameters("guided_choice", InferParameter.newBuilder().setStringParam(choices).build())
                    .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("content").setDatatype("BYTES").addShape(1)
                            .setContents(InferTensorContents.newBuilder().addBytesContents(ByteString.copyFromUtf8(INPUT))))
                    .build());
            String grpcText = r.getOutputs(0).getContents().getBytesContents(0).toStringUtf8();
            assertTrue(Set.copyOf(LABELS).contains(grpcText.substring(TEMPLATED.length())), grpcText);
        } finally {
            channel.shutdownNow();
        }
    }
}
