package dev.peftbench.serve.mmesh;

import dev.peftbench.engine.ComputeType;
import dev.peftbench.serve.Failure;
import dev.peftbench.serve.ServeException;
import dev.peftbench.contract.ModelFields;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The order in which a ModelMesh modelPath is read, on real folder layouts. */
class ModelLocationTest {

    private static final ModelFields RUNTIME = ModelFields.of("env-base", "env-adapter");

    @TempDir
    Path dir;

    private Path placeholder() throws Exception {
        return Files.write(dir.resolve("mnist-svm.joblib"), new byte[] {(byte) 0x80, 4, (byte) 0x95});
    }

    @Test
    void modelSettingsBesideThePulledFileWinsOverEverythingElse() throws Exception {
        Files.writeString(dir.resolve("config.json"), "{}");
        Files.writeString(dir.resolve("model-settings.json"),
                "{\"name\": \"m\", \"parameters\": {\"extra\": {\"base_model\": \"settings-base\", \"dtype\": \"bfloat16\"}}}");
        ModelFields f = ModelLocation.fields(placeholder().toString(), RUNTIME);
        assertEquals("settings-base", f.baseModel());
        assertEquals("env-adapter", f.adapter(), "what the settings leave out comes from the runtime");
        assertEquals(ComputeType.BFLOAT16, f.dtype());
        assertEquals("settings-base", ModelLocation.fields(dir.resolve("model-settings.json").toString(), RUNTIME).baseModel());
    }

    @Test
    void invalidModelSettingsIsRefusedWithTheReason() throws Exception {
        Files.writeString(dir.resolve("model-settings.json"), "{not json");
        ServeException e = assertThrows(ServeException.class, () -> ModelLocation.fields(dir.toString(), RUNTIME));
        assertEquals(Failure.BAD_REQUEST, e.failure());
        assertTrue(e.getMessage().contains("model-settings.json") && e.getMessage().contains("Unexpected character"), e.getMessage());
    }

    @Test
    void snapshotInTheFolderIsTheBaseModel() throws Exception {
        Files.writeString(dir.resolve("config.json"), "{}");
        assertEquals(dir.toString(), ModelLocation.fields(dir.resolve("config.json").toString(), ModelFields.NONE).baseModel());
    }

    @Test
    void adapterInTheFolderGoesOnTheRuntimeBaseElseOnItsOwn() throws Exception {
        Files.writeString(dir.resolve("adapter_config.json"), "{\"base_model_name_or_path\": \"adapter-base\"}");
        ModelFields onRuntime = ModelLocation.fields(dir.toString(), RUNTIME);
        assertEquals("env-base", onRuntime.baseModel());
        assertEquals(dir.toString(), onRuntime.adapter());
        assertEquals("adapter-base", ModelLocation.fields(dir.toString(), ModelFields.NONE).baseModel());
    }

    @Test
    void placeholderFileLoadsTheModelTheRuntimeNames() throws Exception {
        ModelFields f = ModelLocation.fields(placeholder().toString(), RUNTIME);
        assertEquals("env-base", f.baseModel());
        assertEquals("env-adapter", f.adapter());
    }

    @Test
    void placeholderWithoutARuntimeModelNamesWhatWasLookedFor() throws Exception {
        ServeException e = assertThrows(ServeException.class,
                () -> ModelLocation.fields(placeholder().toString(), ModelFields.NONE));
        assertEquals(Failure.BAD_REQUEST, e.failure());
        for (String named : new String[] {"model-settings.json", "config.json", "adapter_config.json", "PRETRAINED_MODEL_PATH",
                "mnist-svm.joblib"}) {
            assertTrue(e.getMessage().contains(named), e.getMessage());
        }
    }

    @Test
    void aFolderOfOtherFilesIsRefusedWithoutNamingThem() throws Exception {
        Files.writeString(dir.resolve("passwd"), "root:x:0:0");
        Files.createDirectories(dir.resolve("secrets"));
        for (String modelPath : new String[] {dir.toString(), dir.resolve("passwd").toString()}) {
            ServeException e = assertThrows(ServeException.class, () -> ModelLocation.fields(modelPath, ModelFields.NONE));
            assertEquals(Failure.BAD_REQUEST, e.failure());
            String rest = e.getMessage().replace(modelPath, "");
            assertFalse(rest.contains("passwd") || rest.contains("secrets"), e.getMessage());
            assertTrue(rest.contains("config.json") && rest.contains("adapter_config.json"), e.getMessage());
        }
    }

    @Test
    void pathThatDoesNotExistIsRefused() {
        ServeException e = assertThrows(ServeException.class,
                () -> ModelLocation.fields(dir.resolve("gone").toString(), RUNTIME));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }
}
