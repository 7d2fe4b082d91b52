package dev.peftbench.serve.repository;

import dev.peftbench.contract.ModelFields;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelsDirectoryTest {

    @TempDir
    Path dir;

    private void settings(String folder, String json) throws Exception {
        Files.createDirectories(dir.resolve(folder));
        Files.writeString(dir.resolve(folder).resolve(ModelsDirectory.SETTINGS_FILE), json);
    }

    @Test
    void eachSubFolderSettingsNameBaseAdapterAndTemplate() throws Exception {
        Files.createDirectories(dir.resolve("a").resolve("adapter"));
        settings("a", """
                {"name": "alpha", "parameters": {"version": "2", "extra":
                  {"base_model": "org/base", "adapter": "adapter", "template": "raw"}}}""");
        settings("b", "{\"name\": \"beta\"}");
        List<ModelSettings> models = new ModelsDirectory(dir).scan();
        assertEquals(List.of("alpha", "beta"), models.stream().map(ModelSettings::name).toList());
        ModelFields a = models.getFirst().fields();
        assertEquals("org/base", a.baseModel());
        assertTrue(a.adapter().endsWith("adapter") && Path.of(a.adapter()).isAbsolute(), a.adapter());
        assertEquals("raw", a.template());
        assertEquals("2", a.version());
    }

    @Test
    void unreadableSettingsAreSkippedNotFatal() throws Exception {
        settings("bad", "{ not json");
        settings("good", "{\"name\": \"good\"}");
        assertEquals(List.of("good"), new ModelsDirectory(dir).scan().stream().map(ModelSettings::name).toList());
    }

    @Test
    void flagsAndEnvironmentWinOverModelSettings() throws Exception {
        settings("a", "{\"name\": \"alpha\", \"parameters\": {\"extra\": {\"base_model\": \"from-settings\", \"template\": \"raw\"}}}");
        ModelFields fromEnv = ModelFields.of("from-env", null);
        ModelFields merged = fromEnv.orElse(new ModelsDirectory(dir).find("alpha").orElseThrow().fields());
        assertEquals("from-env", merged.baseModel());
        assertEquals("raw", merged.template());
    }
}
