package dev.peftbench.ui;

import javafx.application.Application;

import java.util.List;

/**
 * Entry point of {@code ./peftbench ui}. Not an {@link Application} itself: with JavaFX on the class
 * path (not the module path) the launcher must be a plain class that hands over to {@link WorkbenchApp}.
 */
public final class WorkbenchLauncher {
    private WorkbenchLauncher() {
    }

    public static void main(String[] args) {
        try {
            LaunchOptions.parse(List.of(args));
        } catch (IllegalArgumentException e) {
            System.err.println("peftbench ui: " + e.getMessage());
            System.exit(2);
        }
        String problem = displayProblem(System.getenv(), System.getProperty("os.name", ""), System.getProperty("glass.platform"));
        if (problem != null) {
            System.err.println("peftbench ui: " + problem);
            System.exit(1);
        }
        Application.launch(WorkbenchApp.class, args);
    }

    /**
     * Why a window cannot open here (Linux without X11 or Wayland, and no headless Monocle platform), or
     * null. JavaFX itself would fail later with a stack trace.
     */
    static String displayProblem(java.util.Map<String, String> env, String os, String glassPlatform) {
        boolean linux = os.toLowerCase(java.util.Locale.ROOT).contains("linux");
        boolean display = !env.getOrDefault("DISPLAY", "").isBlank() || !env.getOrDefault("WAYLAND_DISPLAY", "").isBlank();
        if (!linux || display || "Monocle".equals(glassPlatform)) {
            return null;
        }
        return "no display to open the workbench on (DISPLAY and WAYLAND_DISPLAY are unset). Run it in a desktop "
                + "session, or under Xvfb: xvfb-run -a ./peftbench ui. Headless commands: generate, serve, bench, publish, image";
    }
}
