package dev.peftbench.serve;

import dev.peftbench.engine.Engine;
import dev.peftbench.contract.ModelChoice.EntryPoint;
import dev.peftbench.contract.ModelChoiceCases;
import dev.peftbench.contract.ModelChoiceCases.Case;
import dev.peftbench.contract.ModelChoiceCases.Src;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.contract.Setting;
import dev.peftbench.serve.repository.LoadPolicy;
import dev.peftbench.serve.repository.ModelRepository;
import dev.peftbench.serve.repository.ModelSettings;
import dev.peftbench.serve.repository.ModelsDirectory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The model-choice table through the server's own entry points: its one model at start, each model of a
 * models dir, and the repository API's load, for every combination of flags, environment,
 * model-settings.json, a request and an adapter naming its base (ModelChoiceCases).
 */
class ModelChoiceEntryPointsTest {

    private static final Engine ENGINE = TestEngines.engine();

    @AfterAll
    static void stop() {
        ENGINE.close();
    }

    @TempDir
    Path dir;

    private int run;

    /** What the case's flags and environment say, as the command line and the container give them. */
    private static ServeConfig config(Case c, String adapter) {
        Map<Setting<?>, String> flags = new HashMap<>();
        Map<String, String> env = new HashMap<>();
        if (c.bases().contains(Src.FLAGS)) {
            flags.put(Setting.BASE_MODEL, ModelChoiceCases.base(Src.FLAGS));
        }
        if (c.adapterIn() == Src.FLAGS) {
            flags.put(Setting.ADAPTER, adapter);
        }
        if (c.bases().contains(Src.ENVIRONMENT)) {
            env.put(Setting.BASE_MODEL.env(), ModelChoiceCases.base(Src.ENVIRONMENT));
        }
        if (c.adapterIn() == Src.ENVIRONMENT) {
            env.put(Setting.ADAPTER.env(), adapter);
        }
        return ServeConfig.resolve(flags, env);
    }

    /** A models dir holding model {@code m}, its model-settings.json saying what the case puts there. */
    private Path modelsDir(Case c, String adapter) throws IOException {
        Path models = Files.createDirectories(dir.resolve("models-" + run++).resolve("m"));
        String base = c.bases().contains(Src.MODEL_SETTINGS) ? "\"base_model\": \"" + ModelChoiceCases.base(Src.MODEL_SETTINGS) + "\"" : null;
        String adapterField = c.adapterIn() == Src.MODEL_SETTINGS ? "\"adapter\": \"" + adapter + "\"" : null;
        String extra = String.join(", ", java.util.stream.Stream.of(base, adapterField).filter(java.util.Objects::nonNull).toList());
        Files.writeString(models.resolve(ModelsDirectory.SETTINGS_FILE), "{\"name\": \"m\", \"parameters\": {\"extra\": {" + extra + "}}}");
        return models.getParent();
    }

    private String expected(EntryPoint entry, Case c) {
        String expected = ModelChoiceCases.expectedBase(entry, c);
        return ModelChoiceCases.ADAPTER_BASE.equals(expected) ? ModelChoiceCases.adapterBase(dir) : expected;
    }

    @Test
    void theServersOneModelAtStart() throws IOException {
        String adapter = ModelChoiceCases.adapterWithBase(dir).toString();
        for (Case c : ModelChoiceCases.cases(EntryPoint.SERVE)) {
            List<ModelSettings> models = InferenceServer.initialModels(config(c, adapter), Optional.empty());
            String chosen = models.isEmpty() ? null : models.getFirst().fields().baseModel();
            assertEquals(expected(EntryPoint.SERVE, c), chosen, c.toString());
        }
    }

    @Test
    void eachModelOfTheModelsDir() throws IOException {
        String adapter = ModelChoiceCases.adapterWithBase(dir).toString();
        for (Case c : ModelChoiceCases.cases(EntryPoint.SERVE_MODELS_DIR)) {
            List<ModelSettings> models = InferenceServer.initialModels(config(c, adapter),
                    Optional.of(new ModelsDirectory(modelsDir(c, adapter))));
            assertEquals(1, models.size(), c.toString());
            assertEquals(expected(EntryPoint.SERVE_MODELS_DIR, c), models.getFirst().fields().baseModel(), c.toString());
        }
    }

    @Test
    void theRepositoryApisLoad() throws IOException {
        String adapter = ModelChoiceCases.adapterWithBase(dir).toString();
        for (Case c : ModelChoiceCases.cases(EntryPoint.REPOSITORY_LOAD)) {
            ServeConfig config = config(c, adapter);
            ModelFields requested = ModelFields.of(c.bases().contains(Src.REQUEST) ? ModelChoiceCases.base(Src.REQUEST) : null,
                    c.adapterIn() == Src.REQUEST ? adapter : null);
            try (ModelRepository repository = new ModelRepository(ENGINE, config.model(),
                    Optional.of(new ModelsDirectory(modelsDir(c, adapter))), new LoadPolicy(true, List.of(dir), true, 8))) {
                String expected = expected(EntryPoint.REPOSITORY_LOAD, c);
                // The bases are Hub ids no cache holds and a folder without a model: the engine's refusal names what it
                // was asked to load (a folder by its last two names: messages show the temp folder as <tmp>).
                ServeException e = assertThrows(ServeException.class, () -> repository.load("m", requested), c.toString());
                String named = expected == null ? "has no base model" : !expected.startsWith("/") ? expected
                        : Path.of(expected).getParent().getFileName() + "/" + Path.of(expected).getFileName();
                assertTrue(e.getMessage().contains(named), c + ": " + e.getMessage());
            }
        }
    }
}
