package dev.peftbench.ui;

import dev.peftbench.contract.ModelFields;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SettingsStoreTest {
    @TempDir
    Path dir;

    @Test
    void savedSettingsComeBackOnTheNextStart() {
        WorkbenchSettings defaults = WorkbenchSettings.firstRun(ModelFields.of(dir.resolve("models/tiny-bloom").toString(), null));
        SettingsStore store = new SettingsStore(dir.resolve("nested").resolve("settings.json"), defaults);
        WorkbenchSettings changed = defaults
                .withModel(new WorkbenchSettings.ModelChoice("/m", "/a", "GPU", "bfloat16", "DJL"))
                .withPrompt(new WorkbenchSettings.PromptChoice("custom", "Text", "Q: {input}", "hi", "7", "2, 3",
                        "0.7", "40", "0.9", "42", "chat", "Be terse."));

        store.save(changed);

        assertEquals(changed, new SettingsStore(store.file(), defaults).load());
    }

    @Test
    void aMissingOrUnreadableFileFallsBackToTheDefaults() throws Exception {
        WorkbenchSettings defaults = WorkbenchSettings.firstRun(ModelFields.of(dir.resolve("models/tiny-bloom").toString(), null));
        Path file = dir.resolve("settings.json");
        assertEquals(defaults, new SettingsStore(file, defaults).load());

        Files.writeString(file, "{ not json");
        assertEquals(defaults, new SettingsStore(file, defaults).load());
    }
}
