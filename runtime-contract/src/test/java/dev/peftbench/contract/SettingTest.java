package dev.peftbench.contract;

import dev.peftbench.engine.EngineException;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

import java.io.File;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One declaration per setting, and what derives from it: the options with their help, the resolution, the written values. */
class SettingTest {

    @Test
    void eachFlagAndEachVariableNamesOneSetting() {
        Set<String> names = new HashSet<>();
        for (Setting<?> s : Setting.all()) {
            assertTrue(s.flag().startsWith("--") && names.add(s.flag()), s.flag());
            assertTrue(s.env() == null || names.add(s.env()), s.flag() + " " + s.env());
            assertTrue(!s.help().isBlank(), s.flag());
        }
        assertTrue(Setting.all().containsAll(Setting.model()));
    }

    /** What the image environment and the published YAML write is what the server reads back. */
    @Test
    void everyDefaultIsWrittenAsTextThatParsesBackToIt() {
        for (Setting<?> s : Setting.all()) {
            roundTrip(s);
        }
    }

    private static <T> void roundTrip(Setting<T> s) {
        T value = s.defaultValue();
        if (value != null && !(value instanceof List<?> l && l.isEmpty())) {
            assertEquals(value, s.parse(s.write(value), s.flag()), s.flag());
        }
    }

    @Test
    void aFlagWinsOverItsVariableWhichWinsOverTheDefault() {
        Map<String, String> env = Map.of("MLSERVER_HTTP_PORT", "9000", "MLSERVER_GRPC_PORT", "9001");
        SettingValues v = new SettingValues(Map.of(Setting.HTTP_PORT, "7000"), env);
        assertEquals(7000, v.get(Setting.HTTP_PORT));
        assertEquals(9001, v.get(Setting.GRPC_PORT));
        assertEquals(Setting.REQUEST_TIMEOUT.defaultValue(), v.get(Setting.REQUEST_TIMEOUT));
        assertEquals(Duration.ofSeconds(120), SettingValues.DEFAULTS.get(Setting.REQUEST_TIMEOUT));
        assertNull(SettingValues.DEFAULTS.get(Setting.MODELS_DIR));
        assertEquals(Duration.ofSeconds(30), new SettingValues(Map.of(), Map.of("SHUTDOWN_GRACE", "5")).get(Setting.SHUTDOWN_GRACE),
                "a flag-only setting reads no variable");
    }

    @Test
    void aBadValueNamesWhereItCameFrom() {
        assertEquals("--max-models must be an integer, got 'many'", assertThrows(IllegalArgumentException.class,
                () -> new SettingValues(Map.of(Setting.MAX_MODELS, "many"), Map.of()).get(Setting.MAX_MODELS)).getMessage());
        assertEquals("PEFTBENCH_PROTECT_PROBES must be true or false, got 'maybe'", assertThrows(IllegalArgumentException.class,
                () -> new SettingValues(Map.of(), Map.of("PEFTBENCH_PROTECT_PROBES", "maybe")).get(Setting.PROTECT_PROBES)).getMessage());
        EngineException dtype = assertThrows(EngineException.class,
                () -> new SettingValues(Map.of(), Map.of("PEFTBENCH_DTYPE", "int4")).get(Setting.DTYPE));
        assertTrue(dtype.getMessage().startsWith("PEFTBENCH_DTYPE: unknown dtype 'int4'"), dtype.getMessage());
    }

    @CommandLine.Command(name = "test")
    static final class Command {
    }

    /** The options come from the declarations: each help says the variable and the default, the values come back as typed. */
    @Test
    void optionsAreDerivedFromTheDeclarations() {
        CommandSpec spec = SettingOptions.add(CommandSpec.forAnnotatedObject(new Command()), Setting.all(), Setting::shownDefault);
        for (Setting<?> s : Setting.all()) {
            OptionSpec option = spec.findOption(s.flag());
            String help = String.join(" ", option.description());
            assertTrue(help.startsWith(s.help().replaceFirst("\\.$", "")), help);
            assertTrue(s.env() == null || help.contains("env " + s.env()), help);
            assertTrue(s.shownDefault() == null || help.contains("default " + s.shownDefault()), help);
        }
        assertTrue(String.join(" ", spec.findOption("--max-request-bytes").description()).contains("default 16 MiB"));
        new CommandLine(spec).parseArgs("--http-port", "0", "--allow-load-from", "/a", "--allow-load-from", "/b");
        assertEquals(Map.of(Setting.HTTP_PORT, "0", Setting.ALLOW_LOAD_FROM, "/a" + File.pathSeparator + "/b"),
                SettingOptions.flags(spec, Setting.all()));
    }

    @Test
    void foldersMustExist() {
        String here = Path.of("").toAbsolutePath().toString();
        assertEquals(List.of(Path.of(here)), Setting.ALLOW_LOAD_FROM.parse(here, "x"));
        assertTrue(Objects.requireNonNull(assertThrows(IllegalArgumentException.class,
                () -> Setting.ALLOW_LOAD_FROM.parse(here + File.pathSeparator + "/no/such/dir", "--allow-load-from")).getMessage())
                .startsWith("--allow-load-from must be folders separated by"));
    }
}
