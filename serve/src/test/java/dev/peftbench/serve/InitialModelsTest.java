package dev.peftbench.serve;

import dev.peftbench.engine.Engine;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.serve.repository.ModelSettings;
import dev.peftbench.serve.repository.ModelsDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InitialModelsTest {

    @TempDir
    Path dir;

    @Test
    void everyModelInTheModelsDirIsServedWithEnvironmentOverSettings() throws Exception {
        for (String name : List.of("one", "two")) {
            Files.createDirectories(dir.resolve(name));
            Files.writeString(dir.resolve(name).resolve(ModelsDirectory.SETTINGS_FILE), "{\"name\": \"" + name
                    + "\", \"parameters\": {\"extra\": {\"base_model\": \"settings-base\", \"template\": \"raw\"}}}");
        }
        ServeConfig config = ServeConfig.resolve(Map.of(),
                Map.of("MLSERVER_MODELS_DIR", dir.toString(), "PEFT_MODEL_ID", "env-adapter"));
        List<ModelSettings> models = InferenceServer.initialModels(config, Optional.of(new ModelsDirectory(dir)));
        assertEquals(List.of("one", "two"), models.stream().map(ModelSettings::name).toList());
        assertTrue(models.stream().allMatch(m -> m.fields().adapter().equals("env-adapter")
                && m.fields().baseModel().equals("settings-base") && m.fields().template().equals("raw")));
    }

    @Test
    void withoutAModelsDirTheNamedSingleModelIsServed() {
        ServeConfig config = ServeConfig.resolve(Map.of(),
                Map.of("MLSERVER_MODEL_NAME", "peft-model", "PRETRAINED_MODEL_PATH", "base"));
        List<ModelSettings> models = InferenceServer.initialModels(config, Optional.empty());
        assertEquals(List.of("peft-model"), models.stream().map(ModelSettings::name).toList());
    }

    @Test
    void aNamedModelThatFailsToLoadIsReportedUnlessModelMeshLoads() throws Exception {
        ServeConfig config = ServeConfig.defaults().withModel("m", ModelFields.of("missing-base", null)).withPorts(0, 0);
        try (Engine engine = TestEngines.engine(); InferenceServer server = InferenceServer.builder(config, engine).start()) {
            IllegalStateException e = assertThrows(IllegalStateException.class, server::awaitNamedModel);
            assertTrue(e.getMessage().contains("model 'm'") && e.getMessage().contains("missing-base"), e.getMessage());
        }
        try (Engine engine = TestEngines.engine();
             InferenceServer server = InferenceServer.builder(config.withLoadModelsAtStartup(false), engine).start()) {
            server.awaitNamedModel();
        }
    }

    @Test
    void nothingGivenServesNothingYet() {
        assertTrue(InferenceServer.initialModels(ServeConfig.resolve(Map.of(), Map.of()), Optional.empty()).isEmpty());
    }
}
