package dev.peftbench.ui;

import javafx.application.Application;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code ./peftbench ui}: the desktop workbench. Not an {@link Application} itself: with JavaFX on the
 * class path (not the module path) the launching class must be a plain one that hands over to
 * {@link WorkbenchApp}.
 */
@Command(name = "ui", mixinStandardHelpOptions = true,
        description = "Open the desktop workbench (Model, Prompt, Serve, Publish and Tune pages).")
public final class UiCommand implements Callable<Integer> {

    @Option(names = "--screenshots", paramLabel = "DIR",
            description = "Load the sample model, run a chat and a prompt, serve one request, tune a small adapter, "
                    + "save a PNG of every page into DIR, exit.")
    Path screenshots;
    @Option(names = "--settings", paramLabel = "FILE", description = "Settings file (default ~/.config/peft-workbench/settings.json; "
            + "the window's log goes to ~/.local/state/peft-workbench/logs, as Help > About says).")
    Path settings;

    @Override
    public Integer call() {
        String problem = displayProblem(System.getenv(), System.getProperty("os.name", ""), System.getProperty("glass.platform"));
        if (problem != null) {
            throw new IllegalStateException(problem);
        }
        LaunchOptions options = new LaunchOptions(screenshots, settings == null ? SettingsStore.defaultFile() : settings);
        try (WorkbenchLog log = WorkbenchLog.toFile(AppFolders.current().logFile())) {
            Application.launch(WorkbenchApp.class, options.toArgs());
        }
        return 0;
    }

    /**
     * Why a window cannot open here (Linux without X11 or Wayland, and no headless Monocle platform), or
     * null. JavaFX itself would fail later with a stack trace.
     */
    static String displayProblem(Map<String, String> env, String os, String glassPlatform) {
        boolean linux = os.toLowerCase(java.util.Locale.ROOT).contains("linux");
        boolean display = !env.getOrDefault("DISPLAY", "").isBlank() || !env.getOrDefault("WAYLAND_DISPLAY", "").isBlank();
        if (!linux || display || "Monocle".equals(glassPlatform)) {
            return null;
        }
        return "no display to open the workbench on (DISPLAY and WAYLAND_DISPLAY are unset). Run it in a desktop "
                + "session, or under Xvfb: xvfb-run -a ./peftbench ui. Headless commands: ./peftbench --help";
    }
}
