package dev.peftbench.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.engine.Engine;
import dev.peftbench.engine.EngineOptions;
import dev.peftbench.engine.LoadProgress;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.engine.generate.SamplingParams;
import dev.peftbench.serve.v2.grpc.proto.GRPCInferenceServiceGrpc;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.InferTensorContents;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ModelInferRequest;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ServerLiveRequest;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The protocol layer over real HTTP and gRPC clients, on a real engine: "m" is the bundled tiny BLOOM, "slow" a model
 * whose {@value TestEngines#LONG} tokens outlast every wait here (timeouts, clients that leave), and a second server's
 * engine holds no waiting request at all (queue full).
 */
class ProtocolLayerTest {

    private static final String INFER = "{\"inputs\":[{\"name\":\"content\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"hi\"]}]}";
    /** A v2 infer of "hi" on the slow model, for as long as the engine allows. */
    private static final String SLOW_INFER = INFER.replace("]}]}", "]}],\"parameters\":{\"max_new_tokens\":" + TestEngines.LONG + "}}");
    private static final String SLOW_STREAM = "{\"text_input\": \"hi\", \"parameters\": {\"max_new_tokens\": " + TestEngines.LONG + "}}";
    private static final Engine ENGINE = TestEngines.engine();
    /** Takes no request beyond those running, of which it has none: every request finds the queue full. */
    private static final Engine FULL = TestEngines.engine(new EngineOptions(0, 1, 1));
    private static final ObjectMapper JSON = new ObjectMapper();
    private static InferenceServer server;
    private static InferenceServer full;
    private static ManagedChannel channel;
    private static ManagedChannel fullChannel;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        ServeConfig config = ServeConfig.defaults().withModel("m", ModelFields.of(TestEngines.TINY_BLOOM.toString(), null))
                .withHost("127.0.0.1").withPorts(0, 0).withGrpcMaxMessageBytes(1024).withRequestTimeout(Duration.ofSeconds(2))
                .withMaxRequestBytes(4096).withQueueCapacity(1).withShutdownGrace(Duration.ofSeconds(5));
        ENGINE.load("slow", ModelSpec.of(TestEngines.talking().toString(), null, null), LoadProgress.NONE);
        server = InferenceServer.builder(config, ENGINE).adopt(ENGINE.find("slow").orElseThrow()).start();
        TestEngines.awaitLoaded(server, Duration.ofSeconds(30));
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        full = InferenceServer.builder(config, FULL).start();
        TestEngines.awaitLoaded(full, Duration.ofSeconds(30));
        fullChannel = ManagedChannelBuilder.forAddress("127.0.0.1", full.grpcPort()).usePlaintext().build();
    }

    @AfterAll
    static void stop() {
        channel.shutdownNow();
        fullChannel.shutdownNow();
        server.close();
        full.close();
        ENGINE.close();
        FULL.close();
    }

    /**
     * Whether the engine stops generating within {@code seconds}: a generation the server cancelled ends at the next
     * step, one left running would take {@value TestEngines#LONG} tokens of the slow model.
     */
    private static boolean stopsGeneratingWithin(double seconds) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (ENGINE.stats().running() + ENGINE.stats().queued() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        return ENGINE.stats().running() + ENGINE.stats().queued() == 0;
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return post(server, path, body);
    }

    private HttpResponse<String> post(InferenceServer to, String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + to.httpPort() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void openAiListsAndRetrievesTheModelsThatAnswerAndForgetsUnloadedOnes() throws Exception {
        HttpResponse<String> loaded = post("/v2/repository/models/extra/load",
                "{\"parameters\":{\"base_model\":\"" + TestEngines.TINY_BLOOM + "\"}}");
        assertEquals(200, loaded.statusCode(), loaded.body());
        assertTrue(get("/v1/models").body().contains("\"id\":\"extra\""));
        JsonNode one = JSON.readTree(get("/v1/models/extra").body());
        assertEquals("extra", one.get("id").asText());
        assertEquals("model", one.get("object").asText());
        assertEquals(200, post("/v2/repository/models/extra/unload", "").statusCode());
        assertFalse(get("/v1/models").body().contains("extra"), "an unloaded name is no model to use");
        assertFalse(post("/v2/repository/index", "{}").body().contains("extra"));
        HttpResponse<String> gone = get("/v1/models/extra");
        assertEquals(404, gone.statusCode(), gone.body());
        assertEquals("model_not_found", JSON.readTree(gone.body()).at("/error/code").asText());
        assertEquals(200, get("/v1/models/m").statusCode());
    }

    @Test
    void anEngineBoundIsNamedByEachProtocolsOwnField() throws Exception {
        HttpResponse<String> v2 = post("/v2/models/m/generate", "{\"text_input\":\"hi\",\"parameters\":{\"max_tokens\":5000}}");
        assertEquals(400, v2.statusCode(), v2.body());
        assertEquals("parameter max_tokens must be between 1 and 4096, got 5000", JSON.readTree(v2.body()).path("error").asText());
        HttpResponse<String> topP = post("/v2/models/m/generate", "{\"text_input\":\"hi\",\"parameters\":{\"top_p\":2.0}}");
        assertEquals("parameter top_p must be in (0, 1], got 2.0", JSON.readTree(topP.body()).path("error").asText());
        HttpResponse<String> chat = post("/v1/chat/completions", "{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"hi\"}],\"max_completion_tokens\":5000}");
        assertEquals(400, chat.statusCode(), chat.body());
        assertEquals("\"max_completion_tokens\" must be between 1 and 4096, got 5000",
                JSON.readTree(chat.body()).at("/error/message").asText());
        HttpResponse<String> choice = post("/v1/chat/completions", "{\"model\":\"m\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"hi\"}],\"guided_choice\":[\"" + "y".repeat(SamplingParams.MAX_CHOICE_CHARS + 1) + "\"]}");
        assertTrue(JSON.readTree(choice.body()).at("/error/message").asText().startsWith("\"guided_choice\" must hold strings"),
                choice.body());
    }

    @Test
    void tooManyOrTooLongStopStringsAre400BeforeGenerating() throws Exception {
        long generated = ENGINE.stats().generatedTokens();
        String many = "[" + String.join(",", java.util.Collections.nCopies(17, "\"x\"")) + "]";
        HttpResponse<String> r = post("/v1/completions", "{\"model\":\"m\",\"prompt\":\"hi\",\"stop\":" + many + "}");
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains("\\\"stop\\\" takes at most 16 strings"), r.body());
        HttpResponse<String> longOne = post("/v2/models/m/generate", "{\"text_input\":\"hi\",\"parameters\":{\"stop\":\""
                + "x".repeat(257) + "\"}}");
        assertEquals(400, longOne.statusCode(), longOne.body());
        assertEquals(generated, ENGINE.stats().generatedTokens(), "nothing was generated");
    }

    @Test
    void fullQueueAnswers503AtOnceWithRetryAfter() throws Exception {
        HttpResponse<String> r = post(full, "/v2/models/m/infer", INFER);
        assertEquals(503, r.statusCode());
        assertEquals("1", r.headers().firstValue("Retry-After").orElseThrow());
        assertTrue(JSON.readTree(r.body()).get("error").asText().contains("queue is full"), r.body());
    }

    @Test
    void fullQueueIsResourceExhaustedOverGrpc() {
        ModelInferRequest req = ModelInferRequest.newBuilder().setModelName("m")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("content").setDatatype("BYTES")
                        .addShape(1).setContents(InferTensorContents.newBuilder()
                                .addBytesContents(com.google.protobuf.ByteString.copyFromUtf8("hi"))))
                .build();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> GRPCInferenceServiceGrpc.newBlockingStub(fullChannel).modelInfer(req));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    }

    @Test
    void requestTimeoutAnswers504AndCancelsGeneration() throws Exception {
        HttpResponse<String> r = post("/v2/models/slow/infer", SLOW_INFER);
        assertEquals(504, r.statusCode(), r.body());
        assertTrue(stopsGeneratingWithin(1), "still generating after the timeout");
    }

    @Test
    void grpcClientThatGivesUpCancelsGeneration() throws Exception {
        GRPCInferenceServiceGrpc.newBlockingStub(channel).serverLive(ServerLiveRequest.getDefaultInstance());
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> GRPCInferenceServiceGrpc
                .newBlockingStub(channel).withDeadlineAfter(300, java.util.concurrent.TimeUnit.MILLISECONDS)
                .modelInfer(slowInferRequest()));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
        // the server's own timeout is 2 s: a stop well before it came from the client going away
        assertTrue(stopsGeneratingWithin(1.2), "still generating after the client left");
    }

    private static ModelInferRequest slowInferRequest() {
        return ModelInferRequest.newBuilder().setModelName("slow")
                .putParameters("max_new_tokens", GrpcPredictV2.InferParameter.newBuilder().setInt64Param(TestEngines.LONG).build())
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("content").setDatatype("BYTES")
                        .addShape(1).setContents(InferTensorContents.newBuilder()
                                .addBytesContents(com.google.protobuf.ByteString.copyFromUtf8("hi"))))
                .build();
    }

    @Test
    void bodyOverTheSizeLimitIs413() throws Exception {
        HttpResponse<String> r = post("/v2/models/m/infer", INFER.replace("hi", "x".repeat(5000)));
        assertEquals(413, r.statusCode());
        assertTrue(JSON.readTree(r.body()).has("error"));
    }

    @Test
    void grpcMessageOverTheLimitIsResourceExhausted() {
        ModelInferRequest req = ModelInferRequest.newBuilder().setModelName("m")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("content").setDatatype("BYTES")
                        .addShape(1).setContents(InferTensorContents.newBuilder()
                                .addBytesContents(com.google.protobuf.ByteString.copyFromUtf8("y".repeat(2000)))))
                .build();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> GRPCInferenceServiceGrpc.newBlockingStub(channel).modelInfer(req));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    }

    @Test
    void streamedGenerationSendsOneEventPerTokenThenTheFinish() throws Exception {
        HttpResponse<String> r = post("/v2/models/slow/generate_stream", "{\"text_input\": \"hi\", \"parameters\": {\"max_new_tokens\": 3}}");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("text/event-stream"));
        String[] events = r.body().split("\n\n");
        assertEquals(4, events.length, r.body());
        JsonNode first = JSON.readTree(events[0].substring("data: ".length()));
        assertEquals(TestEngines.talkingWord(), first.get("text_output").asText());
        assertEquals("length", JSON.readTree(events[3].substring("data: ".length())).at("/details/finish_reason").asText());
    }

    @Test
    void streamClientThatDisconnectsCancelsGeneration() throws Exception {
        HttpResponse<java.io.InputStream> r = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.httpPort() + "/v2/models/slow/generate_stream"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(SLOW_STREAM)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(r.body()))) {
            assertTrue(lines.readLine().startsWith("data: "));
        }
        // the server timeout is 2 s: a stop well before it came from the failed write to the gone client
        assertTrue(stopsGeneratingWithin(1.2), "still generating after the client left");
    }

    @Test
    void versionedRoutesReachTheModelAndRefuseAnUnknownVersion() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.httpPort() + "/v2/models/m/versions/7/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, r.statusCode());
        assertTrue(r.body().contains("has no version '7'"), r.body());
        assertTrue(post("/v2/models/m/versions/7/infer", INFER).body().contains("has no version '7'"));
    }

    @Test
    void unknownRouteAnswersJsonError() throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.httpPort() + "/nope")).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, r.statusCode());
        assertTrue(JSON.readTree(r.body()).has("error"));
    }

    @Test
    void aNewNameThatFailsToLoadIsNotRegisteredAndLeavesReadinessAlone() throws Exception {
        HttpResponse<String> load = post("/v2/repository/models/broken/load",
                "{\"parameters\": {\"base_model\": \"org/missing-model\"}}");
        assertEquals(400, load.statusCode(), load.body());
        assertTrue(load.body().contains("org/missing-model"), load.body());
        HttpResponse<String> ready = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.httpPort() + "/v2/models/broken/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(404, ready.statusCode(), ready.body());
        HttpResponse<String> serverReady = http.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.httpPort() + "/v2/health/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(200, serverReady.statusCode(), serverReady.body());
        assertEquals(200, post("/v2/models/m/infer", INFER).statusCode());
    }

    @Test
    void integersThatDoNotFitAreRefusedNotWrapped() throws Exception {
        HttpResponse<String> r = post("/v2/models/m/generate",
                "{\"text_input\":\"hi\",\"parameters\":{\"max_new_tokens\":18446744073709551621}}");
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains("out of range"), r.body());
        assertEquals(400, post("/v2/models/m/generate",
                "{\"text_input\":\"hi\",\"parameters\":{\"max_new_tokens\":\"18446744073709551621\"}}").statusCode());
        assertEquals(400, post("/v1/completions", "{\"model\":\"m\",\"prompt\":\"hi\",\"max_tokens\":1e30}").statusCode());
        assertEquals(400, post("/v1/completions", "{\"model\":\"m\",\"prompt\":\"hi\",\"n\":4294967297}").statusCode());
    }

    @Test
    void aShapeWhoseProductOverflowsIs400() throws Exception {
        HttpResponse<String> r = post("/v2/models/m/infer",
                "{\"inputs\":[{\"name\":\"c\",\"shape\":[4611686018427387904,4],\"datatype\":\"BYTES\",\"data\":[\"x\"]}]}");
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains("64 bits"), r.body());
    }

    @Test
    void morePromptsThanTheQueueCanEverHoldIs413() throws Exception {
        HttpResponse<String> r = post("/v2/models/m/infer",
                "{\"inputs\":[{\"name\":\"c\",\"shape\":[2],\"datatype\":\"BYTES\",\"data\":[\"a\",\"b\"]}]}");
        assertEquals(413, r.statusCode(), r.body());
        assertTrue(r.body().contains("--queue-capacity"), r.body());
        assertTrue(r.headers().firstValue("Retry-After").isEmpty(), "retrying cannot help");
    }

    @Test
    void messagesNameNoJavaClasses() throws Exception {
        HttpResponse<String> deep = post("/v2/repository/index", "[".repeat(2000) + "]".repeat(2000));
        assertEquals(400, deep.statusCode(), deep.body());
        HttpResponse<String> bad = post("/v2/models/m/infer", "{\"inputs\": [}");
        assertEquals(400, bad.statusCode(), bad.body());
        for (String body : List.of(deep.body(), bad.body())) {
            assertFalse(body.matches("(?s).*(Exception|Constraints|\\bcom\\.|\\bjava\\.).*"), body);
        }
    }

    @Test
    void aStreamWhoseTokensKeepComingEndsAtTheRequestTimeout() throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> r = post("/v2/models/slow/generate_stream", SLOW_STREAM);
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(200, r.statusCode());
        assertTrue(seconds > 1.8 && seconds < 3.5, "the stream ran " + seconds + " s with a 2 s timeout");
        String[] events = r.body().strip().split("\n\n");
        assertTrue(events.length > 5, "tokens kept coming: " + events.length);
        assertTrue(events[events.length - 1].contains("timed out"), events[events.length - 1]);
        assertTrue(stopsGeneratingWithin(1), "still generating after the timeout");
    }
}
