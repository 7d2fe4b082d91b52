package dev.peftbench.serve;

import dev.peftbench.serve.repository.ModelFields;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.ServerSocket;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A port that is taken stops the start with a sentence naming it, for each of the three ports. */
class PortInUseTest {

    private static ServeConfig config() {
        return ServeConfig.defaults().withModel("m", ModelFields.of("base", null)).withHost("127.0.0.1").withPorts(0, 0);
    }

    private static String startFails(ServeConfig config) {
        return assertThrows(IllegalStateException.class, () -> InferenceServer.builder(config, new FakeEngine()).start())
                .getMessage();
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
