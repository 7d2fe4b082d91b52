package dev.peftbench.contract;

import java.util.Map;

/**
 * Each setting's value: its flag as typed, else its environment variable, else its declared default.
 * A value that does not parse is refused naming where it came from, so a flag and its variable fail with
 * the same message.
 *
 * @param flags each flag as the user typed it (absent = not given)
 * @param env   the process environment
 */
public record SettingValues(Map<Setting<?>, String> flags, Map<String, String> env) {

    public SettingValues {
        flags = Map.copyOf(flags);
        env = Map.copyOf(env);
    }

    /** Nothing given: every setting at its default. */
    public static final SettingValues DEFAULTS = new SettingValues(Map.of(), Map.of());

    public <T> T get(Setting<T> setting) {
        String flag = text(flags.get(setting));
        if (flag != null) {
            return setting.parse(flag, setting.flag());
        }
        String variable = setting.env() == null ? null : text(env.get(setting.env()));
        return variable != null ? setting.parse(variable, setting.env()) : setting.defaultValue();
    }

    private static String text(String v) {
        return v == null || v.isBlank() ? null : v.trim();
    }
}
