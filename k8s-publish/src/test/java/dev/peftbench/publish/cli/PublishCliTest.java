package dev.peftbench.publish.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PublishCliTest {

    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = PublishCli.commandLine();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new String[] {String.valueOf(code), out.toString(), err.toString()};
    }

    @Test
    void dryRunPrintsTheYamlAndTouchesNoCluster() {
        String[] r = run("publish", "--dry-run", "--image", "example.registry/peft:1", "--namespace", "team-a", "--gateway");
        assertEquals("0", r[0], r[2]);
        assertTrue(r[1].contains("kind: \"ServingRuntime\"") && r[1].contains("kind: \"VirtualService\""), r[1]);
        assertTrue(r[1].contains("namespace: \"team-a\""), r[1]);
    }

    @Test
    void badValuesEndWithOneErrorLine() {
        String[] noImage = run("publish", "--dry-run");
        assertEquals("1", noImage[0]);
        assertTrue(noImage[2].startsWith("error: --image is required"), noImage[2]);
        String[] badName = run("publish", "--dry-run", "--image", "x:1", "--name", "Peft_Demo");
        assertEquals("1", badName[0]);
        assertTrue(badName[2].contains("service name 'Peft_Demo'"), badName[2]);
        String[] halfStorage = run("publish", "--dry-run", "--image", "x:1", "--storage-key", "s3");
        assertTrue(halfStorage[2].contains("--storage-key and --storage-path go together"), halfStorage[2]);
    }
}
