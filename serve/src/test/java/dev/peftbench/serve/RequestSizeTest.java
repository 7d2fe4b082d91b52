package dev.peftbench.serve;

import com.google.protobuf.ByteString;
import dev.peftbench.serve.mmesh.proto.LoadModelRequest;
import dev.peftbench.serve.mmesh.proto.ModelRuntimeGrpc;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.engine.Engine;
import dev.peftbench.engine.LoadProgress;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.serve.v2.grpc.proto.GRPCInferenceServiceGrpc;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.InferParameter;
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
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One limit on a request's size for every port: a REST body, a v2 gRPC message, a ModelMesh SPI message. */
class RequestSizeTest {

    private static final int LIMIT = 4096;
    private static final Engine ENGINE = TestEngines.engine();
    private static InferenceServer server;
    private static ManagedChannel v2;
    private static ManagedChannel mmesh;

    @BeforeAll
    static void start() throws Exception {
        // MLServer's -1, as ModelMesh's ServingRuntime sets it: the server's own limit, not none
        server = InferenceServer.builder(ServeConfig.defaults().withModel("m", ModelFields.of(TestEngines.TINY_BLOOM.toString(), null))
                .withPorts(0, 0).withMmeshPort(0).withMaxRequestBytes(LIMIT).withGrpcMaxMessageBytes(-1)
                .withRequestTimeout(Duration.ofSeconds(5)), ENGINE).start();
        TestEngines.awaitLoaded(server, Duration.ofSeconds(30));
        v2 = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        mmesh = ManagedChannelBuilder.forAddress("127.0.0.1", server.mmeshPort()).usePlaintext().build();
    }

    @AfterAll
    static void stop() {
        v2.shutdownNow();
        mmesh.shutdownNow();
        server.close();
        ENGINE.close();
    }

    /** A v2 infer of "hi" on "m", padded to about {@code bytes} with a parameter the server ignores. */
    static ModelInferRequest infer(int bytes) {
        return ModelInferRequest.newBuilder().setModelName("m")
                .putParameters("padding", InferParameter.newBuilder().setStringParam("b".repeat(bytes)).build())
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("content").setDatatype("BYTES").addShape(1)
                        .setContents(InferTensorContents.newBuilder().addBytesContents(ByteString.copyFromUtf8("hi")))).build();
    }

    /** A v2 infer body of "hi" on {@code model} for {@code tokens} tokens, padded with {@code padding} bytes the server ignores. */
    private static String inferBody(int padding, int tokens) {
        return "{\"inputs\":[{\"name\":\"content\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"hi\"]}],"
                + "\"parameters\":{\"max_new_tokens\":" + tokens + ",\"padding\":\"" + "t".repeat(padding) + "\"}}";
    }

    @Test
    void requestsBeyondTheInflightBytesAreRefusedAtOnceUntilTheHeldOnesEnd() throws Exception {
        // room for two requests of 3.5 KB, not three; the two held are generations of the slow model, which outlast the timeout
        ServeConfig config = ServeConfig.defaults().withModel("m", ModelFields.of(TestEngines.TINY_BLOOM.toString(), null)).withPorts(0, 0)
                .withMaxRequestBytes(LIMIT).withMaxInflightRequestBytes(2 * LIMIT).withRequestTimeout(Duration.ofSeconds(2));
        HttpClient http = HttpClient.newHttpClient();
        try (Engine engine = TestEngines.engine()) {
            engine.load("slow", ModelSpec.of(TestEngines.talking().toString(), null, null), LoadProgress.NONE);
            try (InferenceServer s = InferenceServer.builder(config, engine).adopt(engine.find("slow").orElseThrow()).start()) {
                TestEngines.awaitLoaded(s, Duration.ofSeconds(30));
                HttpRequest slow = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.httpPort() + "/v2/models/slow/infer"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(inferBody(3300, TestEngines.LONG))).build();
                HttpRequest infer = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.httpPort() + "/v2/models/m/infer"))
                        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(inferBody(3300, 10))).build();
                List<CompletableFuture<HttpResponse<String>>> held = List.of(
                        http.sendAsync(slow, HttpResponse.BodyHandlers.ofString()), http.sendAsync(slow, HttpResponse.BodyHandlers.ofString()));
                long start = System.nanoTime();
                while (engine.stats().running() < 2 && System.nanoTime() - start < 10_000_000_000L) {
                    Thread.sleep(10);
                }
                assertEquals(2, engine.stats().running(), "both held requests generate");
                HttpResponse<String> third = http.send(infer, HttpResponse.BodyHandlers.ofString());
                assertEquals(503, third.statusCode(), third.body());
                assertEquals("1", third.headers().firstValue("Retry-After").orElseThrow());
                assertTrue(third.body().contains("--max-inflight-request-bytes"), third.body());
                ManagedChannel channel = ManagedChannelBuilder.forAddress("127.0.0.1", s.grpcPort()).usePlaintext().build();
                try {
                    var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
                    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class, () -> stub.modelInfer(infer(2000)));
                    assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode(), refused.getStatus().toString());
                    assertTrue(refused.getStatus().getDescription().contains("--max-inflight-request-bytes"), refused.getStatus().toString());
                    for (CompletableFuture<HttpResponse<String>> h : held) {
                        assertEquals(504, h.get().statusCode(), "held until the request timeout");
                    }
                    assertTrue(stub.modelInfer(infer(3000)).getOutputsCount() > 0, "the bytes were given back");
                    assertEquals(200, http.send(infer, HttpResponse.BodyHandlers.ofString()).statusCode());
                    assertEquals(200, http.send(infer, HttpResponse.BodyHandlers.ofString()).statusCode());
                } finally {
                    channel.shutdownNow();
                }
            }
        }
    }

    @Test
    void aGrpcMessageOverTheRequestLimitIsRefusedOnBothPorts() {
        StatusRuntimeException inference = assertThrows(StatusRuntimeException.class,
                () -> GRPCInferenceServiceGrpc.newBlockingStub(v2).modelInfer(infer(LIMIT + 100)));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, inference.getStatus().getCode(), inference.getStatus().toString());
        assertTrue(inference.getStatus().getDescription().contains(String.valueOf(LIMIT)), inference.getStatus().toString());
        StatusRuntimeException spi = assertThrows(StatusRuntimeException.class, () -> ModelRuntimeGrpc.newBlockingStub(mmesh)
                .loadModel(LoadModelRequest.newBuilder().setModelId("x").setModelPath("/" + "p".repeat(LIMIT + 100)).build()));
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, spi.getStatus().getCode(), spi.getStatus().toString());
        assertTrue(GRPCInferenceServiceGrpc.newBlockingStub(v2).modelInfer(infer(LIMIT - 200)).getOutputsCount() > 0,
                "a message within the limit is answered");
    }
}
