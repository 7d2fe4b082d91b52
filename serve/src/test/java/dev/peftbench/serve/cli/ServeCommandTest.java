package dev.peftbench.serve.cli;

import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code peftbench serve} as an operator starts it. */
class ServeCommandTest {

    @Test
    void aStartupModelThatCannotLoadEndsTheProcessWithTheReason() {
        StringWriter err = new StringWriter();
        CommandLine cli = CommandLines.of(new ServeCommand());
        cli.setErr(new PrintWriter(err));
        int code = assertTimeoutPreemptively(Duration.ofMinutes(1), () -> cli.execute("--model", "/no/such/model-folder",
                "--http-port", "0", "--grpc-port", "0"), "serve kept running with a model that failed to load");
        assertEquals(CommandLines.FAILED, code, err.toString());
        assertTrue(err.toString().contains("error: model 'peft-demo'") && err.toString().contains("/no/such/model-folder"),
                err.toString());
    }
}
