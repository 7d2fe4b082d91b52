package dev.peftbench.serve;

import com.google.protobuf.ByteString;
import dev.peftbench.serve.mmesh.proto.LoadModelRequest;
import dev.peftbench.serve.mmesh.proto.ModelRuntimeGrpc;
import dev.peftbench.serve.repository.ModelFields;
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

import java.time.Duration;

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
