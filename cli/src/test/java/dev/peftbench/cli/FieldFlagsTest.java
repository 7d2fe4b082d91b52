package dev.peftbench.cli;

import dev.peftbench.contract.FieldFlags;
import dev.peftbench.engine.InputField;
import dev.peftbench.serve.cli.CommandLines;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The command line names the engine's fields by its flags: each one a flag some command takes. */
class FieldFlagsTest {

    @Test
    void everyFlagAnEngineErrorNamesIsAnOptionOfSomeCommand() {
        Set<String> options = new HashSet<>();
        collect(CommandLines.of(new PeftbenchCli()), options);
        for (InputField field : InputField.values()) {
            String flag = FieldFlags.of(field);
            assertTrue(!flag.startsWith("--") || options.contains(flag), field + " is named " + flag + ", which no command takes");
        }
    }

    @Test
    void anEngineBoundIsNamedAsTheFlag() {
        CliRun r = CliRun.inProcess("generate", "--prompt", "x", "--max-new-tokens", "5000");
        assertEquals(1, r.code(), r.err());
        assertEquals("error: --max-new-tokens must be between 1 and 4096, got 5000", r.err().strip());
    }

    @Test
    void aTuningSettingIsNamedAsTheFlag() {
        CliRun r = CliRun.inProcess("tune", "--data", "../sample-data/tweet-complaints.csv", "--out", "target/never-written",
                "--lr", "-1");
        assertEquals(1, r.code(), r.err());
        assertEquals("error: --lr must be a positive number, got -1.0", r.err().strip().lines().toList().getLast(), r.err());
    }

    private static void collect(CommandLine command, Set<String> options) {
        command.getCommandSpec().options().forEach(o -> options.addAll(java.util.List.of(o.names())));
        command.getSubcommands().values().forEach(sub -> collect(sub, options));
    }
}
