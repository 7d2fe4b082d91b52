package dev.peftbench.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.protobuf.ByteString;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.engine.Engine;
import dev.peftbench.engine.EngineOptions;
import dev.peftbench.engine.score.LabelScores;
import dev.peftbench.engine.score.ScoreRequest;
import dev.peftbench.serve.repository.ModelState;
import dev.peftbench.serve.v2.grpc.proto.GRPCInferenceServiceGrpc;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.InferTensorContents;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ModelInferRequest;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ModelInferResponse;
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
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * v2 label scoring (issue 26): a second BYTES input named {@code labels} on infer, over REST (data form and protobuf
 * JSON's bytes_contents) and gRPC (contents and raw), answered with the numbers the engine's scoring gives, the ones
 * {@code eval} prints; bad label lists are refused naming the input.
 */
class V2ScoringTest {

    private static final Path SAMPLE = Path.of("..", "sample-data").toAbsolutePath().normalize();
    private static final String MODEL = "peft-demo";
    private static final List<String> TEXTS = List.of("My order never arrived and support ignores me",
            "Lovely weather for a walk today");
    private static final List<String> LABELS = List.of("complaint", "no complaint");
    private static final ObjectMapper JSON = new ObjectMapper();

    private static Engine engine;
    private static InferenceServer server;
    private static ManagedChannel channel;
    private static LabelScores expected;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        engine = new Engine(EngineOptions.defaults());
        ServeConfig config = ServeConfig.defaults()
                .withModel(MODEL, ModelFields.of(SAMPLE.resolve("models/tiny-bloom").toString(),
                        SAMPLE.resolve("models/tiny-bloom-prompt-tuning").toString()))
                .withHost("127.0.0.1").withPorts(0, 0).withShutdownGrace(Duration.ofSeconds(5));
        server = InferenceServer.start(config, engine);
        assertEquals(ModelState.READY, TestEngines.awaitLoaded(server, Duration.ofMinutes(2)).getFirst().state());
        channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        expected = engine.score(ScoreRequest.of(MODEL, TEXTS, LABELS), null);
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

    private HttpResponse<String> infer(String body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + "/v2/models/" + MODEL + "/infer"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static String dataRequest(List<String> texts, List<String> labels) {
        var req = JSON.createObjectNode();
        req.put("id", "s-1");
        var inputs = req.putArray("inputs");
        var in = inputs.addObject().put("name", "content").put("datatype", "BYTES");
        in.putArray("shape").add(texts.size());
        texts.forEach(in.putArray("data")::add);
        var l = inputs.addObject().put("name", "labels").put("datatype", "BYTES");
        l.putArray("shape").add(labels.size());
        labels.forEach(l.putArray("data")::add);
        return req.toString();
    }

    /**
     * Each row's expected label scores and probabilities, row-major, as float32: within 1e-5 of the engine's own answer
     * (a context partly found in the prefix cache rounds its float32 sums in another order).
     */
    private static void assertScores(List<Float> logProbabilities, List<Float> probabilities, List<String> best) {
        assertEquals(TEXTS.size() * LABELS.size(), logProbabilities.size());
        for (int b = 0; b < TEXTS.size(); b++) {
            double[] l = expected.rows().get(b).logProbabilities();
            double[] p = expected.rows().get(b).probabilities();
            for (int k = 0; k < LABELS.size(); k++) {
                assertEquals(l[k], logProbabilities.get(b * LABELS.size() + k), 1e-5, "row " + b + " label " + k);
                assertEquals(p[k], probabilities.get(b * LABELS.size() + k), 1e-5, "row " + b + " label " + k);
            }
            assertEquals(LABELS.get(expected.rows().get(b).best()), best.get(b));
        }
    }

    private static List<Float> floats(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false).map(n -> (float) n.asDouble()).toList();
    }

    @Test
    void restDataFormAnswersEveryLabelsScoreProbabilityAndTheBestLabel() throws Exception {
        HttpResponse<String> r = infer(dataRequest(TEXTS, LABELS));

        assertEquals(200, r.statusCode(), r.body());
        JsonNode body = JSON.readTree(r.body());
        assertEquals("s-1", body.get("id").asText());
        JsonNode outputs = body.get("outputs");
        assertEquals("label_logprobs", outputs.get(0).get("name").asText());
        assertEquals("FP32", outputs.get(0).get("datatype").asText());
        assertEquals("[2,2]", outputs.get(0).get("shape").toString());
        assertEquals("probabilities", outputs.get(1).get("name").asText());
        assertEquals("label", outputs.get(2).get("name").asText());
        assertEquals("[2]", outputs.get(2).get("shape").toString());
        assertScores(floats(outputs.get(0).get("data")), floats(outputs.get(1).get("data")),
                List.of(outputs.get(2).get("data").get(0).asText(), outputs.get(2).get("data").get(1).asText()));
    }

    @Test
    void restBytesContentsAnswersInProtobufJson() throws Exception {
        var req = JSON.createObjectNode();
        var inputs = req.putArray("inputs");
        var in = inputs.addObject().put("name", "content").put("datatype", "BYTES");
        in.putArray("shape").add(String.valueOf(TEXTS.size()));
        var texts = in.putObject("contents").putArray("bytes_contents");
        TEXTS.forEach(t -> texts.add(Base64.getEncoder().encodeToString(t.getBytes(UTF_8))));
        var l = inputs.addObject().put("name", "labels").put("datatype", "BYTES");
        l.putArray("shape").add(String.valueOf(LABELS.size()));
        var labels = l.putObject("contents").putArray("bytes_contents");
        LABELS.forEach(t -> labels.add(Base64.getEncoder().encodeToString(t.getBytes(UTF_8))));

        HttpResponse<String> r = infer(req.toString());

        assertEquals(200, r.statusCode(), r.body());
        JsonNode outputs = JSON.readTree(r.body()).get("outputs");
        assertEquals("[\"2\",\"2\"]", outputs.get(0).get("shape").toString());
        JsonNode best = outputs.get(2).get("contents").get("bytesContents");
        assertScores(floats(outputs.get(0).get("contents").get("fp32Contents")),
                floats(outputs.get(1).get("contents").get("fp32Contents")),
                List.of(new String(Base64.getDecoder().decode(best.get(0).asText()), UTF_8),
                        new String(Base64.getDecoder().decode(best.get(1).asText()), UTF_8)));
    }

    @Test
    void anEmptyOrRepeatedLabelListIsA400NamingIt() throws Exception {
        HttpResponse<String> empty = infer(dataRequest(TEXTS, List.of()));
        assertEquals(400, empty.statusCode(), empty.body());
        assertTrue(empty.body().contains("input 'labels' is empty"), empty.body());

        HttpResponse<String> twice = infer(dataRequest(TEXTS, List.of("complaint", "complaint")));
        assertEquals(400, twice.statusCode(), twice.body());
        assertTrue(twice.body().contains("input 'labels' names 'complaint' twice"), twice.body());

        HttpResponse<String> blank = infer(dataRequest(TEXTS, List.of("complaint", "")));
        assertEquals(400, blank.statusCode(), blank.body());
        assertTrue(blank.body().contains("empty label"), blank.body());

        HttpResponse<String> eos = infer(dataRequest(TEXTS, LABELS).replace("\"id\":\"s-1\"",
                "\"id\":\"s-1\",\"parameters\":{\"eos_token_id\":999999}"));
        assertEquals(400, eos.statusCode(), eos.body());
        assertTrue(eos.body().contains("999999"), eos.body());
    }

    private static ModelInferRequest grpcRequest(List<String> labels, boolean raw) {
        ModelInferRequest.Builder b = ModelInferRequest.newBuilder().setModelName(MODEL);
        ModelInferRequest.InferInputTensor.Builder texts = ModelInferRequest.InferInputTensor.newBuilder().setName("content")
                .setDatatype("BYTES").addShape(TEXTS.size());
        ModelInferRequest.InferInputTensor.Builder labelTensor = ModelInferRequest.InferInputTensor.newBuilder()
                .setName("labels").setDatatype("BYTES").addShape(labels.size());
        if (raw) {
            b.addInputs(texts).addInputs(labelTensor).addRawInputContents(raw(TEXTS)).addRawInputContents(raw(labels));
        } else {
            InferTensorContents.Builder t = InferTensorContents.newBuilder();
            TEXTS.forEach(s -> t.addBytesContents(ByteString.copyFromUtf8(s)));
            InferTensorContents.Builder l = InferTensorContents.newBuilder();
            labels.forEach(s -> l.addBytesContents(ByteString.copyFromUtf8(s)));
            b.addInputs(texts.setContents(t)).addInputs(labelTensor.setContents(l));
        }
        return b.build();
    }

    private static ByteString raw(List<String> items) {
        ByteString.Output out = ByteString.newOutput();
        for (String s : items) {
            byte[] bytes = s.getBytes(UTF_8);
            out.write(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(bytes.length).array(), 0, 4);
            out.write(bytes, 0, bytes.length);
        }
        return out.toByteString();
    }

    @Test
    void grpcModelInferScoresWithContentsOrRawTensors() {
        var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);

        ModelInferResponse r = stub.modelInfer(grpcRequest(LABELS, false));
        assertEquals(List.of("label_logprobs", "probabilities", "label"), r.getOutputsList().stream().map(o -> o.getName()).toList());
        assertEquals(List.of(2L, 2L), r.getOutputs(0).getShapeList());
        assertScores(r.getOutputs(0).getContents().getFp32ContentsList(), r.getOutputs(1).getContents().getFp32ContentsList(),
                r.getOutputs(2).getContents().getBytesContentsList().stream().map(ByteString::toStringUtf8).toList());

        ModelInferResponse raw = stub.modelInfer(grpcRequest(LABELS, true));
        assertEquals(3, raw.getRawOutputContentsCount());
        FloatsAndLabels decoded = FloatsAndLabels.of(raw);
        assertScores(decoded.logProbabilities(), decoded.probabilities(), decoded.labels());
    }

    @Test
    void grpcRefusesARepeatedLabelWithInvalidArgumentNamingIt() {
        var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                () -> stub.modelInfer(grpcRequest(List.of("complaint", "complaint"), false)));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("input 'labels' names 'complaint' twice"), e.getMessage());
    }

    /** The three raw outputs: two FP32 little-endian arrays and length-prefixed UTF-8 labels. */
    private record FloatsAndLabels(List<Float> logProbabilities, List<Float> probabilities, List<String> labels) {
        static FloatsAndLabels of(ModelInferResponse r) {
            return new FloatsAndLabels(floats(r.getRawOutputContents(0)), floats(r.getRawOutputContents(1)),
                    strings(r.getRawOutputContents(2)));
        }

        static List<Float> floats(ByteString bytes) {
            ByteBuffer b = bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            List<Float> out = new java.util.ArrayList<>();
            while (b.hasRemaining()) {
                out.add(b.getFloat());
            }
            return out;
        }

        static List<String> strings(ByteString bytes) {
            ByteBuffer b = bytes.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
            List<String> out = new java.util.ArrayList<>();
            while (b.hasRemaining()) {
                byte[] s = new byte[b.getInt()];
                b.get(s);
                out.add(new String(s, UTF_8));
            }
            return out;
        }
    }
}
