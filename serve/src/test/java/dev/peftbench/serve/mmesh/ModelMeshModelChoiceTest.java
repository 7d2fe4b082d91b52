package dev.peftbench.serve.mmesh;

import dev.peftbench.contract.ModelChoice.EntryPoint;
import dev.peftbench.contract.ModelChoiceCases;
import dev.peftbench.contract.ModelChoiceCases.Case;
import dev.peftbench.contract.ModelChoiceCases.Src;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.serve.ServeException;
import dev.peftbench.serve.repository.ModelsDirectory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The model-choice table's ModelMesh row through loadModel's reading of what the puller downloaded: the
 * pulled folder is the request (a snapshot, or an adapter), a model-settings.json in it ranks above the
 * runtime's flags and environment (here already layered, as the server holds them).
 */
class ModelMeshModelChoiceTest {

    @TempDir
    Path dir;

    private int run;

    /** The pulled folder the case describes; the runtime's base model and adapter layered as the server holds them. */
    private Path pulled(Case c, Path adapter) throws IOException {
        Path folder = c.adapterIn() == Src.REQUEST ? adapter : Files.createDirectories(dir.resolve("pulled-" + run++));
        if (c.bases().contains(Src.REQUEST)) {
            Files.writeString(folder.resolve("config.json"), "{}");
        } else if (c.adapterIn() != Src.REQUEST) {
            Files.write(folder.resolve("model.joblib"), new byte[] {1});
        }
        Files.deleteIfExists(folder.resolve(ModelsDirectory.SETTINGS_FILE));
        if (c.bases().contains(Src.MODEL_SETTINGS) || c.adapterIn() == Src.MODEL_SETTINGS) {
            String base = c.bases().contains(Src.MODEL_SETTINGS) ? "\"base_model\": \"" + ModelChoiceCases.base(Src.MODEL_SETTINGS) + "\"" : "";
            String adapterField = c.adapterIn() == Src.MODEL_SETTINGS ? "\"adapter\": \"" + adapter + "\"" : "";
            Files.writeString(folder.resolve(ModelsDirectory.SETTINGS_FILE), "{\"name\": \"m\", \"parameters\": {\"extra\": {"
                    + base + (base.isEmpty() || adapterField.isEmpty() ? "" : ", ") + adapterField + "}}}");
        }
        return folder;
    }

    private static ModelFields runtime(Case c, Path adapter) {
        String flags = c.bases().contains(Src.FLAGS) ? ModelChoiceCases.base(Src.FLAGS) : null;
        String env = c.bases().contains(Src.ENVIRONMENT) ? ModelChoiceCases.base(Src.ENVIRONMENT) : null;
        String adapterGiven = c.adapterIn() == Src.FLAGS || c.adapterIn() == Src.ENVIRONMENT ? adapter.toString() : null;
        return ModelFields.of(flags != null ? flags : env, adapterGiven);
    }

    @Test
    void loadModelChoosesAsTheTableSays() throws IOException {
        Path adapter = ModelChoiceCases.adapterWithBase(dir);
        for (Case c : ModelChoiceCases.cases(EntryPoint.MODELMESH_LOAD)) {
            Path pulled = pulled(c, adapter);
            String expected = switch (ModelChoiceCases.expectedBase(EntryPoint.MODELMESH_LOAD, c)) {
                case null -> null;
                case ModelChoiceCases.ADAPTER_BASE -> ModelChoiceCases.adapterBase(dir);
                case String base when base.equals(ModelChoiceCases.base(Src.REQUEST)) -> pulled.toString();
                case String base -> base;
            };
            if (expected == null) {
                assertThrows(ServeException.class, () -> ModelLocation.fields(pulled.toString(), runtime(c, adapter)), c.toString());
            } else {
                assertEquals(expected, ModelLocation.fields(pulled.toString(), runtime(c, adapter)).baseModel(), c.toString());
            }
        }
    }
}
