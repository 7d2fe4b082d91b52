package dev.peftbench.serve;

import dev.peftbench.serve.mmesh.proto.LoadModelRequest;
import dev.peftbench.serve.mmesh.proto.ModelRuntimeGrpc;
import dev.peftbench.serve.mmesh.proto.RuntimeStatusRequest;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.serve.repository.ModelStatus;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** ModelMesh's runtimeStatus on a server started with a model of its own. */
class RuntimeStatusTest {

    @TempDir
    Path pulled;

    @Test
    void runtimeStatusPurgesWhatModelMeshPlacedAndKeepsTheStartupModel() throws Exception {
        Files.writeString(pulled.resolve("config.json"), "{}");
        ServeConfig config = ServeConfig.defaults().withModel("startup", ModelFields.of("base", null)).withPorts(0, 0)
                .withMmeshPort(0);
        try (InferenceServer server = InferenceServer.builder(config, new FakeEngine()).start()) {
            server.awaitLoaded(Duration.ofSeconds(5));
            ManagedChannel mmesh = ManagedChannelBuilder.forAddress("127.0.0.1", server.mmeshPort()).usePlaintext().build();
            try {
                var runtime = ModelRuntimeGrpc.newBlockingStub(mmesh);
                runtime.loadModel(LoadModelRequest.newBuilder().setModelId("placed__isvc-1").setModelPath(pulled.toString()).build());
                assertEquals(List.of("placed__isvc-1", "startup"), server.models().stream().map(ModelStatus::name).toList());
                runtime.runtimeStatus(RuntimeStatusRequest.getDefaultInstance());
                assertEquals(List.of("startup"), server.models().stream().map(ModelStatus::name).toList());
                assertEquals(true, server.models().getFirst().ready(), "the operator's model serves on");
            } finally {
                mmesh.shutdownNow();
            }
        }
    }
}
