package dev.peftbench.ui;

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;

/**
 * Where the workbench keeps what it writes for a user, as each desktop expects it: on Linux the XDG base
 * directories (settings in {@code $XDG_CONFIG_HOME}, logs in {@code $XDG_STATE_HOME}, the spec's place for
 * logs), on macOS {@code ~/Library}, on Windows {@code %APPDATA%} and {@code %LOCALAPPDATA%}. Models go to the
 * Hugging Face cache (the engine's HubSettings), never here.
 *
 * @param settingsFile the window's settings (JSON)
 * @param logFile      the window's log (rolled over at {@link WorkbenchLog#MAX_FILE_SIZE})
 */
public record AppFolders(Path settingsFile, Path logFile) {

    private static final String LINUX_NAME = "peft-workbench";
    private static final String DESKTOP_NAME = "PEFT Workbench";
    private static final String SETTINGS = "settings.json";
    private static final String LOG = "peftbench.log";

    public static AppFolders current() {
        return of(System.getenv(), System.getProperty("os.name", ""), Path.of(System.getProperty("user.home")));
    }

    /** The home the XDG directories hang off: {@code $HOME} as the spec says (Java's user.home comes from the password file). */
    private static Path home(Map<String, String> env, String os, Path userHome) {
        String home = env.get("HOME");
        return os.startsWith("windows") || home == null || home.isBlank() || !Path.of(home).isAbsolute() ? userHome : Path.of(home);
    }

    static AppFolders of(Map<String, String> env, String osName, Path home) {
        String os = osName.toLowerCase(Locale.ROOT);
        if (os.startsWith("mac")) {
            Path library = home.resolve("Library");
            return new AppFolders(library.resolve("Application Support").resolve(DESKTOP_NAME).resolve(SETTINGS),
                    library.resolve("Logs").resolve(DESKTOP_NAME).resolve(LOG));
        }
        if (os.startsWith("windows")) {
            Path roaming = folder(env, "APPDATA", home.resolve("AppData").resolve("Roaming"));
            Path local = folder(env, "LOCALAPPDATA", home.resolve("AppData").resolve("Local"));
            return new AppFolders(roaming.resolve(DESKTOP_NAME).resolve(SETTINGS), local.resolve(DESKTOP_NAME).resolve("logs").resolve(LOG));
        }
        Path xdgHome = home(env, os, home);
        Path config = folder(env, "XDG_CONFIG_HOME", xdgHome.resolve(".config"));
        Path state = folder(env, "XDG_STATE_HOME", xdgHome.resolve(".local").resolve("state"));
        return new AppFolders(config.resolve(LINUX_NAME).resolve(SETTINGS), state.resolve(LINUX_NAME).resolve("logs").resolve(LOG));
    }

    /** The folder a variable names; unset, empty or relative (the XDG spec says to ignore those) gives the default. */
    private static Path folder(Map<String, String> env, String variable, Path otherwise) {
        String value = env.get(variable);
        return value == null || value.isBlank() || !Path.of(value).isAbsolute() ? otherwise : Path.of(value);
    }
}
