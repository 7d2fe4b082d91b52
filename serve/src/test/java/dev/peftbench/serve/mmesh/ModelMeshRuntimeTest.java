package dev.peftbench.serve.mmesh;

import com.google.protobuf.ByteString;
import dev.peftbench.engine.Engine;
import dev.peftbench.engine.EngineOptions;
import dev.peftbench.serve.InferenceServer;
import dev.peftbench.serve.ServeConfig;
import dev.peftbench.serve.mmesh.proto.LoadModelRequest;
import dev.peftbench.serve.mmesh.proto.ModelRuntimeGrpc;
import dev.peftbench.serve.mmesh.proto.ModelSizeRequest;
import dev.peftbench.serve.mmesh.proto.RuntimeStatusRequest;
import dev.peftbench.serve.mmesh.proto.RuntimeStatusResponse;
import dev.peftbench.serve.mmesh.proto.UnloadModelRequest;
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
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Drives mmesh.ModelRuntime the way ModelMesh does, against the real engine on the bundled sample. */
class ModelMeshRuntimeTest {

    private static final Path SAMPLE = Path.of("../sample-data/models").toAbsolutePath().normalize();
    private static Engine engine;
    private static InferenceServer server;
    private static ManagedChannel runtimeChannel;
    private static ManagedChannel dataChannel;
    private static ModelRuntimeGrpc.ModelRuntimeBlockingStub runtime;
    private static GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub data;

    @BeforeAll
    static void start() {
        engine = new Engine(EngineOptions.defaults());
        // The runtime's own PRETRAINED_MODEL_PATH: adapters that ModelMesh loads go on this base.
        ModelFields runtimeDefaults = ModelFields.of(SAMPLE.resolve("tiny-bloom").toString(), null);
        ServeConfig config = ServeConfig.defaults().withModel("unused", runtimeDefaults).withHost("127.0.0.1")
                .withPorts(0, 0).withMmeshPort(0).withGrpcMaxMessageBytes(-1).withLoadModelsAtStartup(false)
                .withRequestTimeout(Duration.ofSeconds(60)).withMaxRequestBytes(1 << 20).withQueueCapacity(16)
                .withShutdownGrace(Duration.ofSeconds(5));
        server = InferenceServer.start(config, engine);
        runtimeChannel = ManagedChannelBuilder.forAddress("127.0.0.1", server.mmeshPort()).usePlaintext().build();
        dataChannel = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        runtime = ModelRuntimeGrpc.newBlockingStub(runtimeChannel);
        data = GRPCInferenceServiceGrpc.newBlockingStub(dataChannel);
    }

    @AfterAll
    static void stop() {
        runtimeChannel.shutdownNow();
        dataChannel.shutdownNow();
        server.close();
        engine.close();
    }

    private static long load(String id, Path path) {
        return runtime.loadModel(LoadModelRequest.newBuilder().setModelId(id).setModelPath(path.toString()).build()).getSizeInBytes();
    }

    private static String infer(String modelId, String text) {
        return data.modelInfer(ModelInferRequest.newBuilder().setModelName(modelId)
                .addInputs(ModelInferRequest.InferInputTensor.newBuilder().setName("content").setDatatype("BYTES").addShape(1)
                        .setContents(InferTensorContents.newBuilder().addBytesContents(ByteString.copyFromUtf8(text))))
                .build()).getOutputs(0).getContents().getBytesContents(0).toStringUtf8();
    }

    @Test
    void modelMeshLifecycleLoadInferUnload() {
        RuntimeStatusResponse status = runtime.runtimeStatus(RuntimeStatusRequest.getDefaultInstance());
        assertEquals(RuntimeStatusResponse.Status.READY, status.getStatus());
        assertTrue(status.getCapacityInBytes() >= 2 * status.getDefaultModelSizeInBytes());
        assertEquals(1, status.getMaxLoadingConcurrency());
        assertEquals(java.util.List.of(1), status.getMethodInfosMap().get("inference.GRPCInferenceService/ModelInfer").getIdInjectionPathList());

        String promptTuned = "peft-demo__isvc-5c5315c302";
        long first = load(promptTuned, SAMPLE.resolve("tiny-bloom-prompt-tuning"));
        assertTrue(first > 133_504 * 4, "the first load brings the base model's weights: " + first);
        assertEquals(first, load(promptTuned, SAMPLE.resolve("tiny-bloom-prompt-tuning")), "a repeated load answers OK with its size");
        assertTrue(infer(promptTuned, "Every day is a new day").startsWith("Tweet text : Every day is a new day Label : "));

        long second = load("lora__isvc-1", SAMPLE.resolve("tiny-bloom-lora"));
        assertTrue(second < first / 4, "a second adapter on the same base counts only its own files: " + second);
        assertEquals(second, runtime.modelSize(ModelSizeRequest.newBuilder().setModelId("lora__isvc-1").build()).getSizeInBytes());

        runtime.unloadModel(UnloadModelRequest.newBuilder().setModelId(promptTuned).build());
        StatusRuntimeException gone = assertThrows(StatusRuntimeException.class, () -> infer(promptTuned, "x"));
        assertEquals(Status.Code.NOT_FOUND, gone.getStatus().getCode(), "an unloaded id is not here");
        assertTrue(infer("lora__isvc-1", "still served").startsWith("Tweet text : still served"));
        runtime.unloadModel(UnloadModelRequest.newBuilder().setModelId("never-loaded").build());

        // runtimeStatus purges everything, as ModelMesh expects after a restart.
        runtime.runtimeStatus(RuntimeStatusRequest.getDefaultInstance());
        assertEquals(Status.Code.NOT_FOUND, assertThrows(StatusRuntimeException.class, () -> infer("lora__isvc-1", "x"))
                .getStatus().getCode());
    }

    @Test
    void brokenFolderIsInvalidArgumentWithTheReasonAndOthersKeepServing(@TempDir Path dir) throws Exception {
        load("good__isvc-2", SAMPLE.resolve("tiny-bloom"));
        Files.writeString(dir.resolve("model-settings.json"), "{\"name\": \"x\", \"parameters\": {\"extra\": {\"dtype\": \"int4\"}}}");
        StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> load("broken__isvc-3", dir));
        assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
        assertTrue(e.getStatus().getDescription().contains("unknown dtype 'int4'"), e.getStatus().getDescription());
        StatusRuntimeException missing = assertThrows(StatusRuntimeException.class,
                () -> load("missing__isvc-4", Path.of("/no/such/model")));
        assertEquals(Status.Code.INVALID_ARGUMENT, missing.getStatus().getCode());
        assertTrue(infer("good__isvc-2", "fine").startsWith("Tweet text : fine"));
        runtime.unloadModel(UnloadModelRequest.newBuilder().setModelId("good__isvc-2").build());
    }

    @Test
    void referenceStoragePlaceholderLoadsTheModelTheRuntimeNames(@TempDir Path pulled) throws Exception {
        // What ModelMesh's puller hands over for the reference InferenceService: /models/<id>/mnist-svm.joblib.
        Path placeholder = Files.write(pulled.resolve("mnist-svm.joblib"), new byte[] {(byte) 0x80, 4, (byte) 0x95, 0});
        assertTrue(load("peft-demo__isvc-ref", placeholder) > 0);
        assertTrue(infer("peft-demo__isvc-ref", "placeholder").startsWith("Tweet text : placeholder Label : "));
        assertTrue(load("peft-demo__isvc-dir", pulled) > 0, "the folder itself works the same");
        runtime.unloadModel(UnloadModelRequest.newBuilder().setModelId("peft-demo__isvc-ref").build());
        runtime.unloadModel(UnloadModelRequest.newBuilder().setModelId("peft-demo__isvc-dir").build());
    }
}
