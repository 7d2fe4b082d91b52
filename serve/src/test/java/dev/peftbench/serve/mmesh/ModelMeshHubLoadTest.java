package dev.peftbench.serve.mmesh;

import dev.peftbench.engine.Engine;
import dev.peftbench.engine.EngineOptions;
import dev.peftbench.engine.hub.FakeHub;
import dev.peftbench.engine.hub.HubSettings;
import dev.peftbench.serve.mmesh.proto.LoadModelRequest;
import dev.peftbench.serve.mmesh.proto.LoadModelResponse;
import dev.peftbench.serve.repository.LoadPolicy;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.serve.repository.ModelRepository;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The reference ServingRuntime names Hub ids (PRETRAINED_MODEL_PATH=bigscience/bloomz-560m): the native
 * runtime's loadModel fetches a base model it does not have, from the runtime's setting or from the
 * adapter's own base_model_name_or_path.
 */
@Timeout(60)
class ModelMeshHubLoadTest {

    private static final Path SAMPLE = Path.of("../sample-data/models").toAbsolutePath().normalize();

    @TempDir
    Path tmp;
    private final FakeHub hub = FakeHub.start().serve("bigscience/tiny-bloom", SAMPLE.resolve("tiny-bloom"));
    private Engine engine;

    @AfterEach
    void stop() {
        engine.close();
        hub.close();
    }

    private Engine engine() {
        engine = new Engine(new EngineOptions(8, 4, 2), new HubSettings(hub.endpoint(), null, List.of(tmp.resolve("cache")), false));
        return engine;
    }

    private static long load(ModelMeshRuntime runtime, String id, Path path) throws Exception {
        CompletableFuture<LoadModelResponse> answer = new CompletableFuture<>();
        runtime.loadModel(LoadModelRequest.newBuilder().setModelId(id).setModelPath(path.toString()).build(),
                UnloadDuringLoadTest.into(answer));
        return answer.get().getSizeInBytes();
    }

    @Test
    void theRuntimesHubIdBaseIsDownloadedForAnAdapter() throws Exception {
        Engine engine = engine();
        ModelFields runtimeDefaults = ModelFields.of("bigscience/tiny-bloom", null);
        ModelMeshRuntime runtime = new ModelMeshRuntime(engine, new ModelRepository(engine, runtimeDefaults, Optional.empty(), LoadPolicy.DEFAULT), runtimeDefaults);

        assertTrue(load(runtime, "peft-demo__isvc-1", SAMPLE.resolve("tiny-bloom-prompt-tuning")) > 0);

        assertTrue(engine.find("peft-demo__isvc-1").orElseThrow().base().dir().startsWith(tmp.resolve("cache")));
    }

    @Test
    void anAdaptersOwnHubIdBaseIsDownloadedWhenTheRuntimeNamesNone() throws Exception {
        Path adapter = Files.createDirectories(tmp.resolve("adapter"));
        Files.copy(SAMPLE.resolve("tiny-bloom-lora/adapter_model.safetensors"), adapter.resolve("adapter_model.safetensors"));
        Files.writeString(adapter.resolve("adapter_config.json"), Files.readString(SAMPLE.resolve("tiny-bloom-lora/adapter_config.json"))
                .replaceAll("\"base_model_name_or_path\": *\"[^\"]*\"", "\"base_model_name_or_path\": \"bigscience/tiny-bloom\""));
        Engine engine = engine();
        ModelMeshRuntime runtime = new ModelMeshRuntime(engine, new ModelRepository(engine, ModelFields.NONE, Optional.empty(), LoadPolicy.DEFAULT), ModelFields.NONE);

        load(runtime, "lora__isvc-2", adapter);

        assertEquals("LORA", engine.find("lora__isvc-2").orElseThrow().adapter().orElseThrow().peftType());
        assertTrue(hub.requests().stream().anyMatch(r -> r.path().contains("/api/models/bigscience/tiny-bloom/")));
    }
}
