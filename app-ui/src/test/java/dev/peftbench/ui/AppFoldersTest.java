package dev.peftbench.ui;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AppFoldersTest {

    private static final Path HOME = Path.of("/home/ada");

    @Test
    void linuxKeepsSettingsAndLogsInTheXdgBaseDirectories() {
        AppFolders defaults = AppFolders.of(Map.of(), "Linux", HOME);
        assertEquals(Path.of("/home/ada/.config/peft-workbench/settings.json"), defaults.settingsFile());
        assertEquals(Path.of("/home/ada/.local/state/peft-workbench/logs/peftbench.log"), defaults.logFile());

        AppFolders set = AppFolders.of(Map.of("XDG_CONFIG_HOME", "/cfg", "XDG_STATE_HOME", "/state"), "Linux", HOME);
        assertEquals(Path.of("/cfg/peft-workbench/settings.json"), set.settingsFile());
        assertEquals(Path.of("/state/peft-workbench/logs/peftbench.log"), set.logFile());
    }

    @Test
    void theXdgDirectoriesHangOffHomeAsTheEnvironmentSaysIt() {
        AppFolders elsewhere = AppFolders.of(Map.of("HOME", "/tmp/other-home"), "Linux", HOME);
        assertEquals(Path.of("/tmp/other-home/.config/peft-workbench/settings.json"), elsewhere.settingsFile());
        assertEquals(Path.of("/tmp/other-home/.local/state/peft-workbench/logs/peftbench.log"), elsewhere.logFile());
    }

    @Test
    void relativeXdgPathsAreIgnoredAsTheSpecSays() {
        assertEquals(AppFolders.of(Map.of(), "Linux", HOME),
                AppFolders.of(Map.of("XDG_CONFIG_HOME", "cfg", "XDG_STATE_HOME", ""), "Linux", HOME));
    }

    @Test
    void macOsAndWindowsUseTheirOwnPlaces() {
        AppFolders mac = AppFolders.of(Map.of("XDG_CONFIG_HOME", "/cfg"), "Mac OS X", HOME);
        assertEquals(Path.of("/home/ada/Library/Application Support/PEFT Workbench/settings.json"), mac.settingsFile());
        assertEquals(Path.of("/home/ada/Library/Logs/PEFT Workbench/peftbench.log"), mac.logFile());

        AppFolders windows = AppFolders.of(Map.of("APPDATA", "/roaming", "LOCALAPPDATA", "/local"), "Windows 11", HOME);
        assertEquals(Path.of("/roaming/PEFT Workbench/settings.json"), windows.settingsFile());
        assertEquals(Path.of("/local/PEFT Workbench/logs/peftbench.log"), windows.logFile());
    }
}
