package dev.peftbench.serve;

import dev.peftbench.engine.Engine;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.serve.cli.CommandLines;
import dev.peftbench.serve.cli.ServeCommand;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;

import java.net.InetAddress;
import java.net.ServerSocket;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A port that is taken stops the start with a sentence naming it, for each of the three ports. */
class PortInUseTest {

    private static ServeConfig config() {
        return ServeConfig.defaults().withModel("m", ModelFields.of(TestEngines.TINY_BLOOM.toString(), null)).withHost("127.0.0.1").withPorts(0, 0);
    }

    private static String startFails(ServeConfig config) {
        try (Engine engine = TestEngines.engine()) {
            String message = assertThrows(IllegalStateException.class, () -> InferenceServer.builder(config, engine).start())
                    .getMessage();
            assertEquals(List.of(), engine.models(), "no model loads when a port cannot be bound");
            return message;
        }
    }

    @Test
    void serveEndsWithOneErrorLineAndExitOneOnATakenPort() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            StringWriter err = new StringWriter();
            CommandLine cli = CommandLines.of(new ServeCommand());
            cli.setErr(new PrintWriter(err));
            int code = cli.execute("--model", "../sample-data/models/tiny-bloom", "--http-port",
                    String.valueOf(taken.getLocalPort()), "--grpc-port", "0");
            assertEquals(1, code);
            assertEquals(List.of("error: cannot listen for v2 REST on 127.0.0.1:" + taken.getLocalPort()
                    + ": Address already in use"), err.toString().lines().toList());
        }
    }

    @Test
    void takenPortsAreRefusedByName() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            int port = taken.getLocalPort();
            String rest = startFails(config().withPorts(port, 0));
            assertTrue(rest.contains("v2 REST") && rest.contains(":" + port), rest);
            String grpc = startFails(config().withPorts(0, port));
            assertTrue(grpc.contains("v2 gRPC") && grpc.contains(":" + port), grpc);
            String mmesh = startFails(config().withMmeshPort(port));
            assertTrue(mmesh.contains("ModelMesh") && mmesh.contains(":" + port), mmesh);
        }
    }
}
