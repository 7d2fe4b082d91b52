package dev.peftbench.ui;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Reads and writes {@link WorkbenchSettings} as a small JSON file. The location is a constructor
 * argument so tests never touch the user's real settings.
 */
public final class SettingsStore {
    private static final Logger log = LoggerFactory.getLogger(SettingsStore.class);
    private static final ObjectMapper JSON = new ObjectMapper()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(SerializationFeature.INDENT_OUTPUT);

    private final Path file;
    private final WorkbenchSettings defaults;

    public SettingsStore(Path file, WorkbenchSettings defaults) {
        this.file = file;
        this.defaults = defaults;
    }

    /** Where the window's settings live ({@link AppFolders}: {@code $XDG_CONFIG_HOME/peft-workbench/settings.json} on Linux). */
    public static Path defaultFile() {
        return AppFolders.current().settingsFile();
    }

    public Path file() {
        return file;
    }

    /** The saved settings, or the defaults when there are none or the file cannot be read (a bad file must not stop the app). */
    public WorkbenchSettings load() {
        if (!Files.isRegularFile(file)) {
            return defaults;
        }
        try {
            return JSON.readValue(file.toFile(), WorkbenchSettings.class);
        } catch (IOException e) {
            log.warn("Ignoring unreadable settings file {}: {}", file, e.getMessage());
            return defaults;
        }
    }

    public void save(WorkbenchSettings settings) {
        try {
            Files.createDirectories(file.getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            JSON.writeValue(tmp.toFile(), settings);
            // Atomic rename so a crash while writing never leaves a half-written file behind.
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log.warn("Could not save settings to {}: {}", file, e.getMessage());
        }
    }
}
