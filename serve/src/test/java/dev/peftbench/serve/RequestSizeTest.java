package dev.peftbench.serve;

import com.google.protobuf.ByteString;
import dev.peftbench.serve.mmesh.proto.LoadModelRequest;
import dev.peftbench.serve.mmesh.proto.ModelRuntimeGrpc;
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
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One limit on a request's size for every port: a REST body, a v2 gRPC message, a ModelMesh SPI message. */
class RequestSizeTest {

    private static final int LIMIT = 4096;
    private static final FakeEngine ENGINE = new FakeEngine();
    private static InferenceServer server;
    private static ManagedChannel v2;
    private static ManagedChannel mmesh;

    @BeforeAll
    static void start() throws Exception {
        // MLServer's -1, as ModelMesh's ServingRuntime sets it: the server's own limit, not none
        server = InferenceServer.builder(ServeConfig.defaults().withModel("m", ModelFields.of("base", null)).withPorts(0, 0)
                .withMmeshPort(0).withMaxRequestBytes(LIMIT).withGrpcMaxMessageBytes(-1)
                .withRequestTimeout(Duration.ofSeconds(5)), ENGINE).start();
        server.awaitLoaded(Duration.ofSeconds(5));
        v2 = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        mmesh = ManagedChannelBuilder.forAddress("127.0.0.1", server.mmeshPort()).usePlaintext().build();
    }

    @AfterAll
    static void stop() {
        v2.shutdownNow();
        mmesh.shutdownNow();
        server.close();
    }

    static ModelInferRequest infer(int bytes) {
        return ModelInferRequest.newBuilder().setModelName("m").addInputs(ModelInferRequest.InferInputTensor.newBuilder()
                .setName("content").setDatatype("BYTES").addShape(1)
                .setContents(InferTensorContents.newBuilder().addBytesContents(ByteString.copyFromUtf8("b".repeat(bytes))))).build();
    }

    private static String inferBody(int textBytes) {
        return "{\"inputs\":[{\"name\":\"content\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"" + "t".repeat(textBytes) + "\"]}]}";
    }

    @Test
    void requestsBeyondTheInflightBytesAreRefusedAtOnceUntilTheHeldOnesEnd() throws Exception {
        FakeEngine engine = new FakeEngine();
        engine.hang = true;
        // room for two requests of 3.5 KB, not three
        ServeConfig config = ServeConfig.defaults().withModel("m", ModelFields.of("base", null)).withPorts(0, 0)
                .withMaxRequestBytes(LIMIT).withMaxInflightRequestBytes(2 * LIMIT).withRequestTimeout(Duration.ofSeconds(2));
        HttpClient http = HttpClient.newHttpClient();
        try (InferenceServer s = InferenceServer.builder(config, engine).start()) {
            s.awaitLoaded(Duration.ofSeconds(5));
            HttpRequest infer = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.httpPort() + "/v2/models/m/infer"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(inferBody(3400))).build();
            List<CompletableFuture<HttpResponse<String>>> held = List.of(
                    http.sendAsync(infer, HttpResponse.BodyHandlers.ofString()), http.sendAsync(infer, HttpResponse.BodyHandlers.ofString()));
            while (engine.submitted.get() < 2) {
                Thread.sleep(10);
            }
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
                engine.hang = false;
                assertTrue(stub.modelInfer(infer(3000)).getOutputsCount() > 0, "the bytes were given back");
                assertEquals(200, http.send(infer, HttpResponse.BodyHandlers.ofString()).statusCode());
                assertEquals(200, http.send(infer, HttpResponse.BodyHandlers.ofString()).statusCode());
            } finally {
                channel.shutdownNow();
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
