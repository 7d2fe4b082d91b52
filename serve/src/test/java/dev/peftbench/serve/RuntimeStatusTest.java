package dev.peftbench.serve;

import dev.peftbench.engine.Engine;
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
        // a model snapshot, as the puller leaves one
        try (var files = Files.list(TestEngines.TINY_BLOOM)) {
            for (Path f : files.toList()) {
                Files.copy(f, pulled.resolve(f.getFileName()));
            }
        }
        ServeConfig config = ServeConfig.defaults().withModel("startup", ModelFields.of(TestEngines.TINY_BLOOM.toString(), null))
                .withPorts(0, 0).withMmeshPort(0);
        try (Engine engine = TestEngines.engine(); InferenceServer server = InferenceServer.builder(config, engine).start()) {
            TestEngines.awaitLoaded(server, Duration.ofSeconds(30));
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
