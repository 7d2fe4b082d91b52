package dev.peftbench.contract;

import dev.peftbench.engine.EngineException;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * How a setting's text (a flag's argument, an environment variable's value) becomes its value, and how a
 * value is written back as text that parses again (the image's environment, the published YAML).
 *
 * @param expected what a value looks like, for "must be ..." messages; null when the parser's own
 *                 message says it (the engine's words for a dtype, backend or device)
 */
public record SettingType<T>(String expected, Function<String, T> parser, Function<T, String> writer) {

    public static final SettingType<String> TEXT = new SettingType<>("text", Function.identity(), Function.identity());
    public static final SettingType<Integer> INTEGER = new SettingType<>("an integer", Integer::parseInt, String::valueOf);
    public static final SettingType<Long> LONG = new SettingType<>("an integer", Long::parseLong, String::valueOf);
    /** MLServer's booleans: true/false, 1/0, yes/no. */
    public static final SettingType<Boolean> BOOLEAN = new SettingType<>("true or false", SettingType::bool, String::valueOf);
    public static final SettingType<Duration> SECONDS = new SettingType<>("a number of seconds",
            v -> Duration.ofSeconds(Long.parseLong(v)), d -> String.valueOf(d.toSeconds()));
    public static final SettingType<Path> PATH = new SettingType<>("a path", Path::of, Path::toString);
    /** Folders as a search path lists them ({@code a:b}); each must exist. */
    public static final SettingType<List<Path>> FOLDERS = new SettingType<>(
            "folders separated by '" + File.pathSeparator + "'", SettingType::folders,
            l -> String.join(File.pathSeparator, l.stream().map(Path::toString).toList()));

    /** A whole number from {@code min} to {@code max}; {@code expected} says the range in the setting's words. */
    public static SettingType<Long> range(long min, long max, String expected) {
        return new SettingType<>(expected, v -> {
            long n = Long.parseLong(v);
            if (n < min || n > max) {
                throw new IllegalArgumentException(v);
            }
            return n;
        }, String::valueOf);
    }
    /** Adapters served under their own names, {@code NAME=DIR|HUB_ID} separated by ',' ({@link NamedAdapter}). */
    public static final SettingType<List<NamedAdapter>> NAMED_ADAPTERS = new SettingType<>(
            "NAME=DIR|HUB_ID pairs separated by ','", NamedAdapter::parseList, NamedAdapter::writeList);

    /** Text the engine parses (dtype, backend, device): a refusal is the engine's own message. */
    public static <T> SettingType<T> engine(Function<String, T> parser, Function<T, String> writer) {
        return new SettingType<>(null, parser, writer);
    }

    /**
     * {@code text} as a value; a refusal names {@code source} (a flag, a variable, a file's field) and says
     * what was expected, as {@link IllegalArgumentException} or, for the engine's types, {@link EngineException}
     * (its own message alone when {@code source} is null: what {@code generate} prints for a bad flag).
     */
    public T parse(String text, String source) {
        try {
            return parser.apply(text.strip());
        } catch (EngineException e) {
            throw source == null ? e : EngineException.invalid(source + ": " + e.getMessage());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(source + " must be " + expected + ", got '" + text.strip() + "'");
        }
    }

    public String write(T value) {
        return writer.apply(value);
    }

    private static boolean bool(String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "1", "yes" -> true;
            case "false", "0", "no" -> false;
            default -> throw new IllegalArgumentException(v);
        };
    }

    private static List<Path> folders(String v) {
        List<Path> out = new ArrayList<>();
        for (String part : v.split(Pattern.quote(File.pathSeparator))) {
            if (!part.isBlank()) {
                Path p = Path.of(part.trim());
                if (!Files.isDirectory(p)) {
                    throw new IllegalArgumentException(part);
                }
                out.add(p);
            }
        }
        return out;
    }
}
