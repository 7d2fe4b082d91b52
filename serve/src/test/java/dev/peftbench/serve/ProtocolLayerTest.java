package dev.peftbench.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.serve.v2.grpc.proto.GRPCInferenceServiceGrpc;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.InferTensorContents;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ModelInferRequest;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ServerLiveRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
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
 * The protocol layer's paths that the real engine reaches only under load (queue full, timeout),
 * over real HTTP and gRPC clients, with {@link FakeEngine} behind the server.
 */
class ProtocolLayerTest {

    private static final String INFER = "{\"inputs\":[{\"name\":\"content\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"hi\"]}]}";
    private static final FakeEngine ENGINE = new FakeEngine();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static InferenceServer server;
    private static ManagedChannel channel;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        ServeConfig config = ServeConfig.defaults().withModel("m", ModelFields.of("base", null)).withHost("127.0.0.1")
                .withPorts(0, 0).withGrpcMaxMessageBytes(1024).withRequestTimeout(Duration.ofSeconds(2))
                .withMaxRequestBytes(4096).withQueueCapacity(1).withShutdownGrace(Duration.ofSeconds(5));
        server = InferenceServer.builder(config, ENGINE).start();
        server.awaitLoaded(Duration.ofSeconds(10));
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
    }

    @AfterAll
    static void stop() {
        channel.shutdownNow();
        server.close();
    }

    @AfterEach
    void reset() {
        ENGINE.queueFull = false;
        ENGINE.hang = false;
        ENGINE.trickle = false;
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void openAiListsAndRetrievesTheModelsThatAnswerAndForgetsUnloadedOnes() throws Exception {
        assertEquals(200, post("/v2/repository/models/extra/load", "{\"parameters\":{\"base_model\":\"org/base\"}}").statusCode());
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
    void tooManyOrTooLongStopStringsAre400BeforeGenerating() throws Exception {
        int submitted = ENGINE.submitted.get();
        String many = "[" + String.join(",", java.util.Collections.nCopies(17, "\"x\"")) + "]";
        HttpResponse<String> r = post("/v1/completions", "{\"model\":\"m\",\"prompt\":\"hi\",\"stop\":" + many + "}");
        assertEquals(400, r.statusCode(), r.body());
        assertTrue(r.body().contains("at most 16 stop strings"), r.body());
        HttpResponse<String> longOne = post("/v2/models/m/generate", "{\"text_input\":\"hi\",\"parameters\":{\"stop\":\""
                + "x".repeat(257) + "\"}}");
        assertEquals(400, longOne.statusCode(), longOne.body());
        assertEquals(submitted, ENGINE.submitted.get(), "nothing was generated");
    }

    @Test
    void fullQueueAnswers503AtOnceWithRetryAfter() throws Exception {
        ENGINE.queueFull = true;
        HttpResponse<String> r = post("/v2/models/m/infer", INFER);
        assertEquals(503, r.statusCode());
        assertEquals("1", r.headers().firstValue("Retry-After").orElseThrow());
        assertTrue(JSON.readTree(r.body()).get("error").asText().contains("queue is full"), r.body());
    }

    @Test
    void fullQueueIsResourceExhaustedOverGrpc() {
        ENGINE.queueFull = true;
        ModelInferRequest req = ModelInferRequest.newBuilder().setModelName("m")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("content").setDatatype("BYTES")
                        .addShape(1).setContents(InferTensorContents.newBuilder()
                                .addBytesContents(com.google.protobuf.ByteString.copyFromUtf8("hi"))))
                .build();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> GRPCInferenceServiceGrpc.newBlockingStub(channel).modelInfer(req));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode());
    }

    @Test
    void requestTimeoutAnswers504AndCancelsGeneration() throws Exception {
        ENGINE.hang = true;
        int before = ENGINE.cancelled.get();
        HttpResponse<String> r = post("/v2/models/m/infer", INFER);
        assertEquals(504, r.statusCode());
        assertEquals(before + 1, ENGINE.cancelled.get());
    }

    @Test
    void grpcClientThatGivesUpCancelsGeneration() throws Exception {
        GRPCInferenceServiceGrpc.newBlockingStub(channel).serverLive(ServerLiveRequest.getDefaultInstance());
        ENGINE.hang = true;
        int before = ENGINE.cancelled.get();
        long start = System.nanoTime();
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> GRPCInferenceServiceGrpc
                .newBlockingStub(channel).withDeadlineAfter(300, java.util.concurrent.TimeUnit.MILLISECONDS)
                .modelInfer(inferRequest("hi")));
        assertEquals(Status.Code.DEADLINE_EXCEEDED, e.getStatus().getCode());
        // the server's own timeout is 2 s: a cancel well before it came from the client going away
        while (ENGINE.cancelled.get() == before && System.nanoTime() - start < 1_500_000_000L) {
            Thread.sleep(10);
        }
        assertEquals(before + 1, ENGINE.cancelled.get());
    }

    private static ModelInferRequest inferRequest(String text) {
        return ModelInferRequest.newBuilder().setModelName("m")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("content").setDatatype("BYTES")
                        .addShape(1).setContents(InferTensorContents.newBuilder()
                                .addBytesContents(com.google.protobuf.ByteString.copyFromUtf8(text))))
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
        HttpResponse<String> r = post("/v2/models/m/generate_stream", "{\"text_input\": \"hi\"}");
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("text/event-stream"));
        String[] events = r.body().split("\n\n");
        assertEquals(4, events.length, r.body());
        JsonNode first = JSON.readTree(events[0].substring("data: ".length()));
        assertEquals(" o", first.get("text_output").asText());
        assertEquals("length", JSON.readTree(events[3].substring("data: ".length())).at("/details/finish_reason").asText());
    }

    @Test
    void streamClientThatDisconnectsCancelsGeneration() throws Exception {
        ENGINE.hang = true;
        ENGINE.trickle = true;
        int before = ENGINE.cancelled.get();
        HttpResponse<java.io.InputStream> r = http.send(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.httpPort() + "/v2/models/m/generate_stream"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"text_input\": \"hi\"}")).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(r.body()))) {
            assertTrue(lines.readLine().startsWith("data: "));
        }
        long start = System.nanoTime();
        // the server timeout is 2 s: a cancel well before it came from the failed write to the gone client
        while (ENGINE.cancelled.get() == before && System.nanoTime() - start < 1_500_000_000L) {
            Thread.sleep(10);
        }
        assertEquals(before + 1, ENGINE.cancelled.get());
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
        assertEquals(400, post("/v1/completions", "{\"prompt\":\"hi\",\"max_tokens\":1e30}").statusCode());
        assertEquals(400, post("/v1/completions", "{\"prompt\":\"hi\",\"n\":4294967297}").statusCode());
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
        ENGINE.hang = true;
        ENGINE.trickle = true;
        long start = System.nanoTime();
        HttpResponse<String> r = post("/v2/models/m/generate_stream", "{\"text_input\": \"hi\"}");
        double seconds = (System.nanoTime() - start) / 1e9;
        assertEquals(200, r.statusCode());
        assertTrue(seconds > 1.8 && seconds < 3.5, "the stream ran " + seconds + " s with a 2 s timeout");
        String[] events = r.body().strip().split("\n\n");
        assertTrue(events.length > 20, "tokens kept coming: " + events.length);
        assertTrue(events[events.length - 1].contains("timed out"), events[events.length - 1]);
    }
}
