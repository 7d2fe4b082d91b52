package dev.peftbench.cli;

import dev.peftbench.contract.Setting;
import dev.peftbench.serve.cli.CommandLines;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code ./peftbench} as a user meets it: one root, every command listed, every error one line. */
class PeftbenchCliTest {

    @Test
    void helpListsEveryCommand() {
        CliRun r = CliRun.inProcess("--help");
        assertEquals(0, r.code(), r.err());
        for (String command : List.of("generate", "bench", "make-random-model", "serve", "publish", "image", "ui", "pull")) {
            assertTrue(r.out().lines().anyMatch(l -> l.trim().startsWith(command + " ")), command + " missing:\n" + r.out());
        }
        assertTrue(r.out().contains("./peftbench test"), r.out());
    }

    @Test
    void engineOptionsAreTheServersSettingsInEveryCommand() {
        CommandLine root = CommandLines.of(new PeftbenchCli());
        for (Setting<?> setting : Setting.engine()) {
            String serves = root.getSubcommands().get("serve").getCommandSpec().findOption(setting.flag()).description()[0];
            assertTrue(serves.contains("env " + setting.env()) && serves.contains("default " + setting.shownDefault()), serves);
            for (String command : List.of("generate", "bench", "eval")) {
                OptionSpec option = root.getSubcommands().get(command).getCommandSpec().findOption(setting.flag());
                assertEquals(serves, option == null ? command + " lacks " + setting.flag() : option.description()[0], command);
            }
        }
        CliRun help = CliRun.inProcess("bench", "--help");
        assertTrue(help.out().contains("--step-target-ms") && help.out().contains("PEFTBENCH_STEP_TARGET_MS"), help.out());
        CliRun zero = CliRun.inProcess("generate", "--prompt", "x", "--max-prefill-tokens", "0");
        assertEquals("error: --max-prefill-tokens must be >= 1, got 0", zero.err().strip().lines().toList().getLast(), zero.err());
    }

    @Test
    void versionNamesTheBuildTheCommitAndTheRuntime() {
        CliRun r = CliRun.inProcess("--version");
        assertEquals(0, r.code(), r.err());
        List<String> lines = r.out().lines().toList();
        assertEquals(2, lines.size(), r.out());
        // The version and commit the build wrote (a checkout has a commit: "unknown" would mean the build lost it).
        assertTrue(lines.get(0).matches("peftbench \\d+\\.\\d+\\.\\d+\\S* \\(commit [0-9a-f]{7,}, built \\d{4}-\\d{2}-\\d{2}\\)"), lines.get(0));
        assertTrue(lines.get(1).startsWith("runtime: Java " + Runtime.version() + " ("), lines.get(1));
        assertTrue(lines.get(1).contains(System.getProperty("java.home")), lines.get(1));
    }

    @Test
    void failuresOfEveryModuleEndWithOneErrorLine() {
        for (String[] args : List.of(
                new String[] {"publish", "--dry-run"},
                new String[] {"publish", "--dry-run", "--image", "x:1", "--name", "Peft_Demo"},
                new String[] {"publish", "--dry-run", "--image", "x:1", "--dtype", "int4"},
                new String[] {"serve", "--http-port", "eighty"},
                new String[] {"serve", "--dtype", "int4"},
                new String[] {"generate", "--prompt", "x", "--backend", "tpu"})) {
            CliRun r = CliRun.inProcess(args);
            assertEquals(1, r.code(), String.join(" ", args) + ": " + r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().startsWith("error: "), r.err());
            assertFalse(r.err().contains("\tat "), r.err());
        }
        assertTrue(CliRun.inProcess("publish", "--dry-run").err().startsWith("error: --image is required"));
        assertEquals(CliRun.inProcess("generate", "--prompt", "x", "--dtype", "int4").err(), CliRun.inProcess("serve", "--dtype", "int4").err(),
                "serve refuses a dtype with generate's words");
    }

    @Test
    void usageErrorsExitTwoWithOneLine() {
        for (String[] args : List.of(new String[] {"serve", "--no-such-flag"}, new String[] {"generate"},
                new String[] {"no-such-command"})) {
            CliRun r = CliRun.inProcess(args);
            assertEquals(2, r.code(), r.err());
            assertEquals(1, r.err().lines().count(), r.err());
            assertTrue(r.err().startsWith("error: ") && r.err().contains("--help"), r.err());
        }
    }

    @Test
    void publishDryRunPrintsTheYamlWithTheEngineSettings() {
        CliRun r = CliRun.inProcess("publish", "--dry-run", "--image", "example.registry/peft:1", "--namespace", "team-a", "--gateway",
                "--gateway-host", "peft.example.com",
                "--dtype", "bfloat16");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("kind: \"ServingRuntime\"") && r.out().contains("kind: \"VirtualService\""), r.out());
        assertTrue(r.out().contains("namespace: \"team-a\""), r.out());
        assertTrue(r.out().replaceAll("\\s+", " ").contains("name: \"PEFTBENCH_DTYPE\" value: \"bfloat16\""), r.out());
    }
}
