package dev.peftbench.ui;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@code ./peftbench ui} hands the JavaFX application, which receives only strings.
 *
 * @param screenshots when set, the app runs the {@link ScreenshotTour}: a PNG per page into this folder, then exits
 * @param settingsFile where the window's settings live
 */
public record LaunchOptions(Path screenshots, Path settingsFile) {

    String[] toArgs() {
        List<String> args = new ArrayList<>(List.of("--settings", settingsFile.toString()));
        if (screenshots != null) {
            args.addAll(List.of("--screenshots", screenshots.toString()));
        }
        return args.toArray(String[]::new);
    }

    /** Reads what {@link #toArgs()} wrote (the command line itself was checked by {@link UiCommand}). */
    public static LaunchOptions parse(List<String> args) {
        Path screenshots = null;
        Path settings = SettingsStore.defaultFile();
        for (int i = 0; i + 1 < args.size(); i += 2) {
            switch (args.get(i)) {
                case "--screenshots" -> screenshots = Path.of(args.get(i + 1));
                case "--settings" -> settings = Path.of(args.get(i + 1));
                default -> throw new IllegalArgumentException("unknown option '" + args.get(i) + "'");
            }
        }
        return new LaunchOptions(screenshots, settings);
    }
}
