package dev.peftbench.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.ByteString;
import dev.peftbench.engine.Engine;
import dev.peftbench.engine.EngineOptions;
import dev.peftbench.serve.repository.LoadPolicy;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.serve.repository.ModelState;
import dev.peftbench.serve.repository.ModelStatus;
import dev.peftbench.serve.v2.grpc.proto.GRPCInferenceServiceGrpc;
import dev.peftbench.serve.v2.grpc.proto.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.InferTensorContents;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ModelInferRequest;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ModelInferResponse;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ModelMetadataRequest;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ModelReadyRequest;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.RepositoryModelLoadRequest;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.RepositoryModelUnloadRequest;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ServerLiveRequest;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ServerMetadataRequest;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ServerReadyRequest;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The real server on free ports with the real {@link Engine} on the bundled sample model
 * (tiny-bloom + its prompt-tuning adapter), through Java's HttpClient and a grpc-java client built
 * from the project's proto.
 */
class ServerIntegrationTest {

    private static final Path SAMPLE = Path.of("..", "sample-data").toAbsolutePath().normalize();
    private static final String MODEL = "peft-demo";
    private static final String REFERENCE_INPUT = "Every day is a new binning, filled with optionpiening and hope";
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Engine engine;
    private static InferenceServer server;
    private static ManagedChannel channel;
    private static GRPCInferenceServiceBlockingStub grpc;
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
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        grpc = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    }

    @AfterAll
    static void stop() {
        if (channel != null) {
            channel.shutdownNow();
        }
        if (server != null) {
            server.close();
        }
        if (engine != null) {
            engine.close();
        }
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.httpPort() + path);
    }

    private HttpResponse<String> get(String path) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return http.send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String templated(String input) {
        return "Tweet text : " + input + " Label : ";
    }

    private static String dataRequest(String... texts) throws Exception {
        ObjectNode req = JSON.createObjectNode();
        ObjectNode in = req.putArray("inputs").addObject().put("name", "content").put("datatype", "BYTES");
        in.putArray("shape").add(texts.length);
        var data = in.putArray("data");
        for (String t : texts) {
            data.add(t);
        }
        return JSON.writeValueAsString(req);
    }

    private void assertJsonError(HttpResponse<String> r, int status) throws Exception {
        assertEquals(status, r.statusCode(), r.body());
        assertTrue(JSON.readTree(r.body()).get("error").asText().length() > 0, r.body());
    }

    @Test
    void referenceRequestGetsTheReferenceResponseShape() throws Exception {
        HttpResponse<String> r = post("/v2/models/" + MODEL + "/infer", Files.readString(SAMPLE.resolve("input.json")));
        assertEquals(200, r.statusCode(), r.body());
        ObjectNode actual = (ObjectNode) JSON.readTree(r.body());
        String text = new String(Base64.getDecoder().decode(actual.at("/outputs/0/contents/bytesContents/0").asText()), UTF_8);
        assertTrue(text.startsWith(templated(REFERENCE_INPUT)), text);

        // The bundled adapter was tuned on the sample data, which labels this tweet as the reference document's
        // bloomz-560m does: everything but the served name is the reference document's response, field for field.
        ObjectNode expected = (ObjectNode) JSON.readTree(Files.readString(SAMPLE.resolve("expected-response.json")));
        expected.put("modelName", MODEL);
        assertEquals(expected, actual);
    }

    @Test
    void batchOfThreeIsAnsweredInInputOrder() throws Exception {
        HttpResponse<String> r = post("/v2/models/" + MODEL + "/infer", dataRequest("good day", "bad service", "hello"));
        assertEquals(200, r.statusCode(), r.body());
        JsonNode out = JSON.readTree(r.body()).at("/outputs/0");
        assertEquals("[3,1]", out.get("shape").toString());
        assertEquals("BYTES", out.get("datatype").asText());
        assertTrue(out.at("/data/0").asText().startsWith(templated("good day")));
        assertTrue(out.at("/data/1").asText().startsWith(templated("bad service")));
        assertTrue(out.at("/data/2").asText().startsWith(templated("hello")));
    }

    @Test
    void dataFormIsAnsweredInDataFormWithTheIdEchoed() throws Exception {
        String body = dataRequest(REFERENCE_INPUT).replaceFirst("\\{", "{\"id\":\"req-1\",");
        JsonNode r = JSON.readTree(post("/v2/models/" + MODEL + "/infer", body).body());
        assertEquals("req-1", r.get("id").asText());
        assertEquals(MODEL, r.get("model_name").asText());
        assertEquals("output-0", r.at("/outputs/0/name").asText());
        assertEquals("str", r.at("/outputs/0/parameters/content_type").asText());
        assertTrue(r.at("/outputs/0/data/0").asText().startsWith(templated(REFERENCE_INPUT)));
    }

    @Test
    void bothJsonFormsGenerateTheSameGreedyText() throws Exception {
        String b64 = Base64.getEncoder().encodeToString(REFERENCE_INPUT.getBytes(UTF_8));
        JsonNode proto = JSON.readTree(post("/v2/models/" + MODEL + "/infer", "{\"inputs\":[{\"name\":\"content\","
                + "\"shape\":[1],\"datatype\":\"BYTES\",\"contents\":{\"bytesContents\":[\"" + b64 + "\"]}}]}").body());
        JsonNode data = JSON.readTree(post("/v2/models/" + MODEL + "/infer", dataRequest(REFERENCE_INPUT)).body());
        String fromProto = new String(Base64.getDecoder().decode(proto.at("/outputs/0/contents/bytesContents/0").asText()), UTF_8);
        assertEquals(data.at("/outputs/0/data/0").asText(), fromProto);
    }

    @Test
    void maxNewTokensParameterLimitsGeneration() throws Exception {
        String body = dataRequest("hello").replaceFirst("\\{", "{\"parameters\":{\"max_new_tokens\":1},");
        JsonNode r = JSON.readTree(post("/v2/models/" + MODEL + "/generate",
                "{\"text_input\":\"hello\",\"parameters\":{\"max_new_tokens\":1}}").body());
        assertEquals(1, r.at("/details/generated_tokens").asInt(), r.toString());
        assertEquals(200, post("/v2/models/" + MODEL + "/infer", body).statusCode());
    }

    @Test
    void endIdsOfTheRequestStopGenerationOnEveryRoute() throws Exception {
        // the first id greedy decoding picks for "hello": naming it as an end id ends generation after one token
        int first = engine.generate(dev.peftbench.engine.GenerationRequest.of(MODEL, "hello",
                        dev.peftbench.engine.generate.SamplingParams.DEFAULT.withMaxNewTokens(5).withEosTokenIds(List.of())),
                dev.peftbench.engine.TokenListener.NONE).generatedTokenIds().getFirst();
        for (String key : List.of("stop_token_ids", "eos_token_id")) {
            JsonNode r = JSON.readTree(post("/v2/models/" + MODEL + "/generate", "{\"text_input\":\"hello\",\"parameters\":"
                    + "{\"max_new_tokens\":5,\"" + key + "\":[" + first + "]}}").body());
            assertEquals(1, r.at("/details/generated_tokens").asInt(), key + ": " + r);
            assertEquals("eos_token", r.at("/details/finish_reason").asText(), r.toString());
        }
        JsonNode c = JSON.readTree(post("/v1/completions", "{\"model\":\"" + MODEL + "\",\"prompt\":\"hello\",\"max_tokens\":5,"
                + "\"stop_token_ids\":[" + first + "]}").body());
        assertEquals(1, c.at("/usage/completion_tokens").asInt(), c.toString());
        assertEquals("stop", c.at("/choices/0/finish_reason").asText());
        String stopped = grpcText(first + ",1");
        String whole = grpcText(null);
        assertTrue(whole.startsWith(stopped) && whole.length() > stopped.length(), stopped + " | " + whole);
    }

    /** ModelInfer's text for "hello" with at most 5 new tokens, and these stop_token_ids (a gRPC string parameter) unless null. */
    private static String grpcText(String stopTokenIds) {
        ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName(MODEL)
                .putParameters("max_new_tokens", dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.InferParameter.newBuilder()
                        .setInt64Param(5).build())
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("content").setDatatype("BYTES").addShape(1)
                        .setContents(InferTensorContents.newBuilder().addBytesContents(ByteString.copyFromUtf8("hello"))));
        if (stopTokenIds != null) {
            b.putParameters("stop_token_ids", dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.InferParameter.newBuilder()
                    .setStringParam(stopTokenIds).build());
        }
        return grpc.modelInfer(b.build()).getOutputs(0).getContents().getBytesContents(0).toStringUtf8();
    }

    @Test
    void unknownTopLevelFieldsOfAGenerateRequestAre400NamingThem() throws Exception {
        HttpResponse<String> r = post("/v2/models/" + MODEL + "/generate",
                "{\"text_input\":\"hello\",\"eos_token_id\":3,\"stop\":\"x\",\"foo\":1,\"parameters\":{\"content_type\":\"str\"}}");
        assertEquals(400, r.statusCode(), r.body());
        String error = JSON.readTree(r.body()).get("error").asText();
        assertTrue(error.contains("eos_token_id") && error.contains("stop") && error.contains("foo"), error);
        assertTrue(error.contains("inside parameters"), error);
        assertEquals(400, post("/v2/models/" + MODEL + "/generate_stream", "{\"text_input\":\"hello\",\"foo\":1}").statusCode());
    }

    @Test
    void unknownModelAndVersionAre404() throws Exception {
        assertJsonError(post("/v2/models/nope/infer", dataRequest("x")), 404);
        assertJsonError(post("/v2/models/" + MODEL + "/versions/9/infer", dataRequest("x")), 404);
        assertJsonError(get("/v2/models/nope"), 404);
        assertJsonError(get("/v2/models/nope/ready"), 404);
    }

    @Test
    void malformedRequestsAre400WithAMessage() throws Exception {
        String infer = "/v2/models/" + MODEL + "/infer";
        assertJsonError(post(infer, "{not json"), 400);
        assertJsonError(post(infer, "{\"id\": \"1\"}"), 400);
        assertJsonError(post(infer, "{\"inputs\":[{\"name\":\"content\",\"shape\":[1],\"datatype\":\"FP32\",\"data\":[1.5]}]}"), 400);
        assertJsonError(post(infer, "{\"inputs\":[{\"name\":\"content\",\"shape\":[2],\"datatype\":\"BYTES\",\"data\":[\"a\"]}]}"), 400);
        assertJsonError(post(infer, "{\"inputs\":[{\"name\":\"content\",\"shape\":[1],\"datatype\":\"BYTES\","
                + "\"contents\":{\"bytes_contents\":[\"%%%\"]}}]}"), 400);
        assertJsonError(post(infer, dataRequest("x").replaceFirst("\\{", "{\"parameters\":{\"top_p\":5},")), 400);
    }

    @Test
    void inputOverTheSizeLimitIs413AndTheServerStaysUp() throws Exception {
        assertJsonError(post("/v2/models/" + MODEL + "/infer", dataRequest("x".repeat(100_000))), 413);
        assertEquals(200, get("/v2/health/live").statusCode());
    }

    @Test
    void sixteenConcurrentClientsAreAllAnswered() throws Exception {
        try (ExecutorService pool = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                String body = dataRequest("client " + i);
                answers.add(pool.submit(() -> post("/v2/models/" + MODEL + "/infer", body)));
            }
            for (int i = 0; i < 16; i++) {
                HttpResponse<String> r = answers.get(i).get();
                assertEquals(200, r.statusCode(), r.body());
                assertTrue(JSON.readTree(r.body()).at("/outputs/0/data/0").asText().startsWith(templated("client " + i)));
            }
        }
    }

    @Test
    void generateStreamSendsOneEventPerTokenMatchingGenerate() throws Exception {
        String body = "{\"text_input\":\"" + REFERENCE_INPUT + "\",\"parameters\":{\"max_new_tokens\":6}}";
        JsonNode whole = JSON.readTree(post("/v2/models/" + MODEL + "/generate", body).body());
        HttpResponse<String> r = post("/v2/models/" + MODEL + "/generate_stream", body);
        assertEquals(200, r.statusCode());
        assertTrue(r.headers().firstValue("Content-Type").orElseThrow().startsWith("text/event-stream"));
        List<JsonNode> events = new ArrayList<>();
        for (String frame : r.body().split("\n\n")) {
            assertTrue(frame.startsWith("data: "), frame);
            events.add(JSON.readTree(frame.substring("data: ".length())));
        }
        JsonNode last = events.removeLast();
        assertEquals(whole.at("/details/finish_reason").asText(), last.at("/details/finish_reason").asText());
        assertEquals(whole.at("/details/generated_tokens").asInt(), events.size());
        StringBuilder streamed = new StringBuilder();
        events.forEach(e -> streamed.append(e.get("text_output").asText()));
        assertEquals(whole.get("text_output").asText(), streamed.toString());
    }

    @Test
    void repositoryLoadsAndUnloadsAnAdapterAtRunTime() throws Exception {
        String name = "lora-demo";
        HttpResponse<String> load = post("/v2/repository/models/" + name + "/load", "{\"parameters\":{\"base_model\":\""
                + SAMPLE.resolve("models/tiny-bloom") + "\",\"adapter\":\"" + SAMPLE.resolve("models/tiny-bloom-lora") + "\"}}");
        assertEquals(200, load.statusCode(), load.body());
        assertEquals(200, get("/v2/models/" + name + "/ready").statusCode());
        assertEquals(200, post("/v2/models/" + name + "/infer", dataRequest("hi")).statusCode());
        JsonNode index = JSON.readTree(post("/v2/repository/index", "{}").body());
        assertTrue(index.toString().contains("\"name\":\"" + name + "\",\"state\":\"READY\""), index.toString());

        assertEquals(200, post("/v2/repository/models/" + name + "/unload", "").statusCode());
        // a name loaded at run time is gone once unloaded: its place among --max-models is free again
        assertEquals(404, get("/v2/models/" + name + "/ready").statusCode());
        assertEquals(200, get("/v2/health/ready").statusCode(), "a model unloaded on purpose keeps the server ready");
        assertJsonError(post("/v2/models/" + name + "/infer", dataRequest("hi")), 404);
        assertJsonError(post("/v2/repository/models/never-registered/load", ""), 404);
    }

    @Test
    void aFailedReloadKeepsTheModelServingAndAFailedNewNameIsNotRegistered() throws Exception {
        String before = post("/v2/models/" + MODEL + "/infer", dataRequest("same")).body();
        HttpResponse<String> reload = post("/v2/repository/models/" + MODEL + "/load", "{\"parameters\":{\"adapter\":\""
                + SAMPLE.resolve("no-such-adapter") + "\"}}");
        assertJsonError(reload, 400);
        assertTrue(reload.body().contains("no-such-adapter"), reload.body());
        assertEquals(200, get("/v2/health/ready").statusCode(), "a failed reload leaves readiness alone");
        assertEquals(200, get("/v2/models/" + MODEL + "/ready").statusCode());
        assertEquals(before, post("/v2/models/" + MODEL + "/infer", dataRequest("same")).body(),
                "the previous adapter still serves");
        assertEquals(200, post("/v2/repository/models/" + MODEL + "/load", "{}").statusCode(),
                "a later plain load keeps the settings that served, not the failed ones");
        assertEquals(before, post("/v2/models/" + MODEL + "/infer", dataRequest("same")).body());

        String name = "broken-demo";
        HttpResponse<String> load = post("/v2/repository/models/" + name + "/load", "{\"parameters\":{\"base_model\":\""
                + SAMPLE.resolve("models/tiny-bloom") + "\",\"adapter\":\"" + SAMPLE.resolve("no-such-adapter") + "\"}}");
        assertJsonError(load, 400);
        assertEquals(404, get("/v2/models/" + name + "/ready").statusCode());
        assertFalse(post("/v2/repository/index", "").body().contains(name));
        assertEquals(200, get("/v2/health/ready").statusCode());
        assertEquals(200, post("/v2/models/" + MODEL + "/infer", dataRequest("still up")).statusCode());
    }

    @Test
    void healthAndMetadataAnswer() throws Exception {
        assertEquals(200, get("/v2/health/live").statusCode());
        assertEquals(200, get("/v2/health/ready").statusCode());
        JsonNode server = JSON.readTree(get("/v2").body());
        assertTrue(server.get("extensions").toString().contains("model_repository"));
        JsonNode meta = JSON.readTree(get("/v2/models/" + MODEL).body());
        assertEquals("content", meta.at("/inputs/0/name").asText());
        assertEquals("BYTES", meta.at("/inputs/0/datatype").asText());
        assertEquals("[-1]", meta.at("/inputs/0/shape").toString());
        assertEquals("BYTES", meta.at("/outputs/0/datatype").asText());
    }

    @Test
    void grpcInferWithBytesContentsAnswersTheTemplatedText() {
        ModelInferResponse r = grpc.modelInfer(ModelInferRequest.newBuilder().setModelName(MODEL).setId("g1")
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("content").setDatatype("BYTES").addShape(1)
                        .setContents(InferTensorContents.newBuilder().addBytesContents(ByteString.copyFromUtf8(REFERENCE_INPUT))))
                .build());
        assertEquals("g1", r.getId());
        assertEquals(List.of(1L, 1L), r.getOutputs(0).getShapeList());
        assertTrue(r.getOutputs(0).getContents().getBytesContents(0).toStringUtf8().startsWith(templated(REFERENCE_INPUT)));
    }

    @Test
    void grpcInferWithRawContentsAnswersRaw() {
        ByteString raw = ByteString.copyFrom(new byte[]{2, 0, 0, 0, 'h', 'i'});
        ModelInferResponse r = grpc.modelInfer(ModelInferRequest.newBuilder().setModelName(MODEL)
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("content").setDatatype("BYTES").addShape(1))
                .addRawInputContents(raw).build());
        ByteString out = r.getRawOutputContents(0);
        int len = out.asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN).getInt();
        assertTrue(out.substring(4, 4 + len).toStringUtf8().startsWith(templated("hi")));
    }

    @Test
    void grpcHealthAndMetadataRpcsAnswer() {
        assertTrue(grpc.serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
        assertTrue(grpc.serverReady(ServerReadyRequest.getDefaultInstance()).getReady());
        assertTrue(grpc.modelReady(ModelReadyRequest.newBuilder().setName(MODEL).build()).getReady());
        assertTrue(grpc.serverMetadata(ServerMetadataRequest.getDefaultInstance()).getExtensionsList().contains("generate"));
        assertEquals("content", grpc.modelMetadata(ModelMetadataRequest.newBuilder().setName(MODEL).build()).getInputs(0).getName());
    }

    @Test
    void grpcErrorsCarryTheProtocolStatusCodes() {
        StatusRuntimeException unknown = assertThrows(StatusRuntimeException.class,
                () -> grpc.modelMetadata(ModelMetadataRequest.newBuilder().setName("nope").build()));
        assertEquals(Status.Code.NOT_FOUND, unknown.getStatus().getCode());
        StatusRuntimeException datatype = assertThrows(StatusRuntimeException.class, () -> grpc.modelInfer(
                ModelInferRequest.newBuilder().setModelName(MODEL).addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("content").setDatatype("INT32").addShape(1)
                        .setContents(InferTensorContents.newBuilder().addIntContents(1))).build()));
        assertEquals(Status.Code.INVALID_ARGUMENT, datatype.getStatus().getCode());
    }

    @Test
    void grpcRepositoryUnloadsAndReloads() {
        assertTrue(grpc.repositoryModelUnload(RepositoryModelUnloadRequest.newBuilder().setModelName(MODEL).build()).getIsUnloaded());
        StatusRuntimeException down = assertThrows(StatusRuntimeException.class, () -> grpc.modelInfer(
                ModelInferRequest.newBuilder().setModelName(MODEL).addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                        .setName("content").setDatatype("BYTES").addShape(1)
                        .setContents(InferTensorContents.newBuilder().addBytesContents(ByteString.copyFromUtf8("x")))).build()));
        assertEquals(Status.Code.UNAVAILABLE, down.getStatus().getCode());
        assertTrue(grpc.repositoryModelLoad(RepositoryModelLoadRequest.newBuilder().setModelName(MODEL).build()).getIsLoaded());
    }

    @Test
    void openAiCompletionsAnswerAndStream() throws Exception {
        JsonNode models = JSON.readTree(get("/v1/models").body());
        assertTrue(models.get("data").toString().contains(MODEL));
        JsonNode c = JSON.readTree(post("/v1/completions",
                "{\"model\":\"" + MODEL + "\",\"prompt\":\"hello\",\"max_tokens\":3}").body());
        assertEquals("text_completion", c.get("object").asText());
        assertTrue(c.at("/usage/completion_tokens").asInt() <= 3);
        HttpResponse<String> s = post("/v1/completions",
                "{\"model\":\"" + MODEL + "\",\"prompt\":\"hello\",\"max_tokens\":3,\"stream\":true}");
        assertTrue(s.body().endsWith("data: [DONE]\n\n"), s.body());
    }

    private static final String CHAT_MESSAGES = "[{\"role\":\"system\",\"content\":\"Be brief.\"},"
            + "{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\",\"content\":\"Hello!\"},"
            + "{\"role\":\"user\",\"content\":\"Classify: great service\"}]";

    @Test
    void openAiChatCompletionAppliesTheModelsChatTemplate() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", "{\"model\":\"" + MODEL + "\",\"messages\":" + CHAT_MESSAGES
                + ",\"max_tokens\":4,\"temperature\":0,\"seed\":1,\"stop\":[\"zzz\"]}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode c = JSON.readTree(r.body());
        assertEquals("chat.completion", c.get("object").asText());
        assertTrue(c.get("id").asText().startsWith("chatcmpl-"));
        assertEquals("assistant", c.at("/choices/0/message/role").asText());
        int completion = c.at("/usage/completion_tokens").asInt();
        assertTrue(completion >= 1 && completion <= 4, r.body());
        assertEquals(c.at("/usage/prompt_tokens").asInt() + completion, c.at("/usage/total_tokens").asInt());
        // the same conversation through the engine: the answer is the template-rendered prompt's continuation
        var conversation = new dev.peftbench.engine.chat.Conversation(java.util.List.of(
                dev.peftbench.engine.chat.ChatMessage.system("Be brief."), dev.peftbench.engine.chat.ChatMessage.user("Hi"),
                dev.peftbench.engine.chat.ChatMessage.assistant("Hello!"),
                dev.peftbench.engine.chat.ChatMessage.user("Classify: great service")), true, java.util.Map.of());
        var direct = engine.generate(dev.peftbench.engine.GenerationRequest.chat(MODEL, conversation,
                dev.peftbench.engine.generate.SamplingParams.DEFAULT.withMaxNewTokens(4).withStop(java.util.List.of("zzz")), true),
                dev.peftbench.engine.TokenListener.NONE);
        assertEquals(direct.generatedText(), c.at("/choices/0/message/content").asText());
        assertEquals(direct.promptTokenIds().size(), c.at("/usage/prompt_tokens").asInt());
        assertTrue(direct.prompt().startsWith("<|im_start|>system\nBe brief.</s>\n<|im_start|>user\nHi</s>"), direct.prompt());
    }

    @Test
    void openAiChatStreamsRoleThenContentThenFinishReasonThenDone() throws Exception {
        HttpResponse<String> s = post("/v1/chat/completions", "{\"model\":\"" + MODEL + "\",\"messages\":" + CHAT_MESSAGES
                + ",\"max_tokens\":4,\"stream\":true,\"stream_options\":{\"include_usage\":true}}");
        assertEquals(200, s.statusCode(), s.body());
        assertTrue(s.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
        List<String> events = s.body().lines().filter(l -> l.startsWith("data: ")).map(l -> l.substring(6)).toList();
        assertEquals("[DONE]", events.getLast());
        JsonNode first = JSON.readTree(events.getFirst());
        assertEquals("chat.completion.chunk", first.get("object").asText());
        assertEquals("assistant", first.at("/choices/0/delta/role").asText());
        JsonNode usage = JSON.readTree(events.get(events.size() - 2));
        assertTrue(usage.get("choices").isEmpty() && usage.at("/usage/completion_tokens").asInt() >= 1, usage.toString());
        JsonNode finish = JSON.readTree(events.get(events.size() - 3));
        assertTrue(finish.at("/choices/0/finish_reason").isTextual(), finish.toString());
        StringBuilder content = new StringBuilder();
        for (String e : events.subList(1, events.size() - 3)) {
            JsonNode chunk = JSON.readTree(e);
            assertTrue(chunk.at("/choices/0/finish_reason").isNull());
            content.append(chunk.at("/choices/0/delta/content").asText());
        }
        JsonNode whole = JSON.readTree(post("/v1/chat/completions", "{\"model\":\"" + MODEL + "\",\"messages\":" + CHAT_MESSAGES + ",\"max_tokens\":4}").body());
        assertEquals(whole.at("/choices/0/message/content").asText(), content.toString());
    }

    @Test
    void openAiErrorsUseOpenAisShapeAndStatus() throws Exception {
        record Bad(String body, int status, String words) {
        }
        for (Bad bad : List.of(
                new Bad("{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"robot\",\"content\":\"beep\"}]}", 400, "Unknown role \"robot\""),
                new Bad("{\"model\":\"" + MODEL + "\",\"messages\":[]}", 400, "must not be empty"),
                new Bad("{\"model\":\"" + MODEL + "\",\"messages\":" + CHAT_MESSAGES + ",\"n\":2}", 400, "\"n\": 1"),
                new Bad("{\"model\":\"" + MODEL + "\",\"messages\":" + CHAT_MESSAGES + ",\"temperature\":3}", 400, "temperature"),
                new Bad("{\"model\":\"" + MODEL + "\",\"messages\":" + CHAT_MESSAGES + ",\"max_tokens\":0}", 400, "max_tokens"),
                new Bad("{\"model\":\"" + MODEL + "\",\"messages\":" + CHAT_MESSAGES + ",\"top_p\":0}", 400, "top_p"),
                new Bad("{\"model\":\"" + MODEL + "\",\"messages\":" + CHAT_MESSAGES + ",\"stop\":5}", 400, "stop"),
                new Bad("{\"model\":\"" + MODEL + "\",\"messages\":" + CHAT_MESSAGES + ",\"seed\":1.5}", 400, "seed"),
                new Bad("{\"model\":\"" + MODEL + "\",\"messages\":" + CHAT_MESSAGES + ",\"tools\":[{\"type\":\"function\"}]}", 400, "tool"),
                new Bad("{\"model\":\"" + MODEL + "\",\"messages\":" + CHAT_MESSAGES + ",\"chat_template_kwargs\":[1]}", 400, "chat_template_kwargs"),
                new Bad("{\"model\":\"" + MODEL + "\",\"messages\":" + CHAT_MESSAGES + ",\"stream_options\":{\"include_usage\":true}}", 400, "stream"),
                new Bad("{\"model\":\"" + MODEL + "\",\"messages\":" + CHAT_MESSAGES + ",\"foo\":1}", 400, "Unrecognized request argument supplied: foo"),
                new Bad("{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\"}]}]}", 400, "only text"),
                new Bad("{\"model\":\"nope\",\"messages\":" + CHAT_MESSAGES + "}", 404, "nope"),
                new Bad("not json", 400, "malformed JSON"))) {
            HttpResponse<String> r = post("/v1/chat/completions", bad.body());
            assertEquals(bad.status(), r.statusCode(), bad.body() + " -> " + r.body());
            JsonNode error = JSON.readTree(r.body()).get("error");
            assertTrue(error.isObject() && error.has("type") && error.has("param") && error.has("code"), r.body());
            assertTrue(error.get("message").asText().contains(bad.words()), bad.body() + " -> " + r.body());
        }
        JsonNode completionError = JSON.readTree(post("/v1/completions", "{\"prompt\":\"x\",\"max_tokens\":\"many\"}").body());
        assertEquals("invalid_request_error", completionError.at("/error/type").asText(), completionError.toString());
    }

    @Test
    void chatTemplateKwargsReachTheTemplate() throws Exception {
        HttpResponse<String> r = post("/v1/chat/completions", "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                + "\"max_tokens\":2,\"chat_template_kwargs\":{\"eos_token\":\"<END>\"}}");
        assertEquals(200, r.statusCode(), r.body());
        JsonNode plain = JSON.readTree(post("/v1/chat/completions",
                "{\"model\":\"" + MODEL + "\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],\"max_tokens\":2}").body());
        assertFalse(JSON.readTree(r.body()).at("/usage/prompt_tokens").equals(plain.at("/usage/prompt_tokens")),
                "a different eos_token renders a different prompt");
    }

    @Test
    void metricsCountRequestsAndGeneratedTokens() throws Exception {
        post("/v2/models/" + MODEL + "/infer", dataRequest("metrics"));
        String text = get("/metrics").body();
        assertTrue(text.contains("peftbench_requests_total{endpoint=\"infer\"}"), text);
        assertTrue(text.contains("peftbench_generated_tokens_total{model=\"" + MODEL + "\"}"), text);
        assertTrue(text.contains("peftbench_time_to_first_token_seconds_bucket"), text);
        assertTrue(text.contains("peftbench_loaded_models"), text);
        assertFalse(text.contains("NaN"));
    }

    @Test
    void metricsCountPromptPositionsTakenFromThePrefixCache() throws Exception {
        String text = "The same long complaint about a parcel that never arrived, sent twice to the same model";
        long before = metric("peftbench_prefix_cache_hit_positions_total");
        post("/v2/models/" + MODEL + "/infer", dataRequest(text));
        post("/v2/models/" + MODEL + "/infer", dataRequest(text));
        long hits = metric("peftbench_prefix_cache_hit_positions_total") - before;
        assertTrue(hits >= 16 && hits % 16 == 0, "the second request reused whole blocks of the first: " + hits);
    }

    private long metric(String name) throws Exception {
        return get("/metrics").body().lines().filter(l -> l.startsWith(name + " ")).mapToLong(l -> Long.parseLong(l.split(" ")[1]))
                .findFirst().orElseThrow();
    }
}
