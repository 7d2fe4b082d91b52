package dev.peftbench.ui;

import java.nio.file.Path;
import java.util.List;

/**
 * Command-line options of {@code ./peftbench ui}.
 *
 * @param screenshots when set, the app loads the sample, runs one prompt, writes a PNG per page into this folder and exits
 * @param settingsFile where the window's settings live
 */
public record LaunchOptions(Path screenshots, Path settingsFile) {
    public static final String USAGE = """
            usage: peftbench ui [--screenshots DIR] [--settings FILE]
              --screenshots DIR  load the sample model, run a prompt, save a PNG of every page into DIR, exit
              --settings FILE    settings file (default ~/.config/peft-workbench/settings.json)""";

    public static LaunchOptions parse(List<String> args) {
        Path screenshots = null;
        Path settings = SettingsStore.defaultFile();
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            switch (arg) {
                case "--screenshots" -> screenshots = Path.of(value(args, ++i, arg));
                case "--settings" -> settings = Path.of(value(args, ++i, arg));
                default -> throw new IllegalArgumentException("unknown option '" + arg + "'\n" + USAGE);
            }
        }
        return new LaunchOptions(screenshots, settings);
    }

    private static String value(List<String> args, int i, String option) {
        if (i >= args.size()) {
            throw new IllegalArgumentException(option + " needs a value\n" + USAGE);
        }
        return args.get(i);
    }
}
