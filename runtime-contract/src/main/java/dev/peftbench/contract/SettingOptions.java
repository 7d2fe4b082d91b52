package dev.peftbench.contract;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The command-line options of a list of {@link Setting}s, derived from their declarations: one option per
 * setting, its help the setting's with its variable and default appended. Values are taken as typed and
 * parsed by {@link SettingValues} (or {@link ModelFields}), so a flag and its variable fail alike.
 */
public final class SettingOptions {

    private SettingOptions() {
    }

    /**
     * Adds the options of {@code settings} to {@code spec} (a picocli model transformer's work).
     *
     * @param shownDefault the default help names for a setting (an entry point's own, from {@link ModelChoice});
     *                     null for none
     */
    public static CommandSpec add(CommandSpec spec, List<Setting<?>> settings, Function<Setting<?>, String> shownDefault) {
        for (Setting<?> s : settings) {
            boolean repeatable = s.type() == SettingType.FOLDERS;
            OptionSpec.Builder option = OptionSpec.builder(s.flag())
                    .description(s.help().replaceFirst("\\.$", "") + suffix(s, shownDefault.apply(s)) + ".")
                    .paramLabel(repeatable ? "DIR" : label(s));
            if (repeatable) {
                option.type(List.class).auxiliaryTypes(String.class);
            } else {
                option.type(String.class);
            }
            spec.addOption(option.build());
        }
        return spec;
    }

    /** The flags given on {@code spec}'s command line, each as typed (a repeated one joined as a search path). */
    public static Map<Setting<?>, String> flags(CommandSpec spec, List<Setting<?>> settings) {
        Map<Setting<?>, String> flags = new LinkedHashMap<>();
        for (Setting<?> s : settings) {
            OptionSpec option = spec.findOption(s.flag());
            Object value = option == null ? null : option.getValue();
            if (value instanceof List<?> list) {
                value = list.isEmpty() ? null : String.join(File.pathSeparator, list.stream().map(Object::toString).toList());
            }
            if (value != null) {
                flags.put(s, value.toString());
            }
        }
        return flags;
    }

    private static String suffix(Setting<?> s, String shownDefault) {
        List<String> parts = new ArrayList<>();
        if (s.env() != null) {
            parts.add("env " + s.env());
        }
        if (shownDefault != null) {
            parts.add("default " + shownDefault);
        }
        return parts.isEmpty() ? "" : " (" + String.join("; ", parts) + ")";
    }

    /** {@code --http-port} -> {@code <httpPort>}, as picocli labels an annotated field of that name. */
    private static String label(Setting<?> s) {
        StringBuilder label = new StringBuilder("<");
        String[] words = s.flag().substring(2).split("-");
        label.append(words[0]);
        for (int i = 1; i < words.length; i++) {
            label.append(Character.toUpperCase(words[i].charAt(0))).append(words[i].substring(1));
        }
        return label.append('>').toString();
    }
}
