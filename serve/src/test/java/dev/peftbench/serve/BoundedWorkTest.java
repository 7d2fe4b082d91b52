package dev.peftbench.serve;

import com.google.protobuf.ByteString;
import dev.peftbench.engine.Engine;
import dev.peftbench.engine.EngineOptions;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.serve.v2.grpc.proto.GRPCInferenceServiceGrpc;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.InferTensorContents;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ModelInferRequest;
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
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No single request can stall the server: prompts are refused by their size before they are
 * tokenized, on every route and protocol, and the health probes answer within a second while huge
 * prompts arrive. The real engine on the bundled sample model.
 */
class BoundedWorkTest {

    private static final Path SAMPLE = Path.of("..", "sample-data").toAbsolutePath().normalize();
    private static final long LIMIT = (long) ModelSpec.DEFAULT_MAX_PROMPT_TOKENS * ModelSpec.MAX_BYTES_PER_TOKEN;
    private static final String HUGE = "a ".repeat(2 * 1024 * 1024);
    private static Engine engine;
    private static InferenceServer server;
    private final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws Exception {
        engine = new Engine(EngineOptions.defaults());
        server = InferenceServer.start(ServeConfig.defaults()
                .withModel("m", ModelFields.of(SAMPLE.resolve("models/tiny-bloom").toString(), null))
                .withPorts(0, 0).withMaxRequestBytes(32L << 20), engine);
        TestEngines.awaitLoaded(server, Duration.ofMinutes(1));
    }

    @AfterAll
    static void stop() {
        server.close();
        engine.close();
    }

    private CompletableFuture<HttpResponse<String>> post(String path, String json) {
        return http.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private long probeMillis(String path) throws Exception {
        long start = System.nanoTime();
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.httpPort() + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        return (System.nanoTime() - start) / 1_000_000;
    }

    @Test
    void hugePromptsAreRefusedBySizeWhileHealthAnswersWithinASecond() throws Exception {
        // probed before, as a kubelet probes a running server every few seconds
        probeMillis("/v2/health/live");
        probeMillis("/v2/health/ready");
        List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
        // the case, two 4 MiB prompts at once, on two routes, beside prompts just under the byte limit
        // (tokenized, on the tokenizer's own threads)
        for (int i = 0; i < 2; i++) {
            answers.add(post("/v2/models/m/generate", "{\"text_input\":\"" + HUGE + "\"}"));
            answers.add(post("/v1/completions", "{\"model\":\"m\",\"prompt\":\"" + HUGE + "\"}"));
            answers.add(post("/v2/models/m/generate", "{\"text_input\":\"" + "word ".repeat((int) (LIMIT / 5) - 20)
                    + "\",\"parameters\":{\"max_new_tokens\":1}}"));
        }
        long slowest = 0;
        while (!answers.stream().allMatch(CompletableFuture::isDone)) {
            slowest = Math.max(slowest, Math.max(probeMillis("/v2/health/live"), probeMillis("/v2/health/ready")));
        }
        assertTrue(slowest < 1000, "a health probe took " + slowest + " ms");
        for (int i = 0; i < answers.size(); i++) {
            HttpResponse<String> r = answers.get(i).get();
            if (i % 3 == 2) {
                assertTrue(r.statusCode() == 200 || r.statusCode() == 400, r.body());
            } else {
                assertEquals(413, r.statusCode(), r.body());
                assertTrue(r.body().contains(LIMIT + " bytes"), r.body());
            }
        }
    }

    @Test
    void aTwentyMegabyteGrpcPromptIsInvalidArgumentNamingTheLimit() {
        ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext()
                .maxInboundMessageSize(1 << 20).build();
        try {
            ModelInferRequest request = ModelInferRequest.newBuilder().setModelName("m")
                    .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("content").setDatatype("BYTES")
                            .addShape(1).setContents(InferTensorContents.newBuilder()
                                    .addBytesContents(ByteString.copyFromUtf8("b".repeat(20 << 20)))))
                    .build();
            long start = System.nanoTime();
            StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
                    () -> GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(java.time.Duration.ofSeconds(30))
                            .modelInfer(request));
            assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
            assertTrue(e.getStatus().getDescription().contains(LIMIT + " bytes"), e.getStatus().getDescription());
            assertTrue(System.nanoTime() - start < 10_000_000_000L, "refused without tokenizing");
        } finally {
            channel.shutdownNow();
        }
    }
}
