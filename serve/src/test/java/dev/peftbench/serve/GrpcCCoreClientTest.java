package dev.peftbench.serve;

import dev.peftbench.engine.Engine;
import dev.peftbench.engine.EngineOptions;
import dev.peftbench.serve.auth.AccessPolicy;
import dev.peftbench.serve.auth.ApiKey;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.serve.repository.ModelState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The real server on the bundled sample, driven on both gRPC ports by Python's grpcio (gRPC C-core,
 * Debian's python3-grpcio): the client family that sends literal-name pseudo-headers. The script is
 * {@code src/test/python/grpc_c_core_client.py}; its stubs are generated from the project's protos
 * with grpc_tools. Without them the test fails, saying how to install them: a suite that skipped it would pass
 * without ever asking a C-core client, the one client family whose headers broke the server before; {@code .ci/run}
 * installs them, and the README's test command names them. (The test does not install them itself: that takes root
 * and the Debian archive, which a test must not reach for.)
 */
class GrpcCCoreClientTest {

    private static final Path SAMPLE = Path.of("..", "sample-data", "models").toAbsolutePath().normalize();
    private static final Path PROTOS = Path.of("src", "main", "proto").toAbsolutePath();
    private static final Path SCRIPT = Path.of("src", "test", "python", "grpc_c_core_client.py").toAbsolutePath();
    private static final String KEY = "py-key-0123456789";
    private static final List<String> CHECKS = List.of("UNAUTHENTICATED without the key on both ports", "ServerLive", "ModelMetadata", "ModelInfer bytes_contents",
            "ModelInfer label scoring", "error codes NOT_FOUND and INVALID_ARGUMENT", "runtimeStatus", "loadModel",
            "ModelInfer through ModelMesh's model id",
            "ModelReady and ModelMetadata through ModelMesh's model id", "unloadModel");

    @TempDir
    Path work;

    record Run(int code, String output) {
    }

    /** Debian's python3 first: python3 on PATH may be another installation without Debian's modules. */
    private static String pythonWithGrpcio() throws Exception {
        for (String python : List.of("/usr/bin/python3", "python3")) {
            try {
                if (run(List.of(python, "-c", "import grpc, grpc_tools.protoc"), Path.of(".")).code() == 0) {
                    return python;
                }
            } catch (IOException notThere) {
                // try the next one
            }
        }
        return fail("this test drives the server with Python's grpcio, which is missing: install it with "
                + "'sudo apt-get install -y python3-grpcio python3-grpc-tools' (Debian, Ubuntu; .ci/run does it), then run the tests again");
    }

    private static Run run(List<String> command, Path dir) throws Exception {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("timed out: " + command);
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void grpcioClientGetsEveryV2AndModelMeshAnswer() throws Exception {
        String python = pythonWithGrpcio();
        Path stubs = Files.createDirectories(work.resolve("stubs"));
        Run generated = run(List.of(python, "-m", "grpc_tools.protoc", "-I" + PROTOS, "--python_out=" + stubs,
                "--grpc_python_out=" + stubs, "grpc_predict_v2.proto", "model-runtime.proto"), PROTOS);
        assertEquals(0, generated.code(), generated.output());
        // What ModelMesh's puller hands over for the reference InferenceService's storage path.
        Path pulled = Files.write(Files.createDirectories(work.resolve("peft-demo__isvc-c0re")).resolve("mnist-svm.joblib"),
                new byte[] {(byte) 0x80, 4, (byte) 0x95});

        ServeConfig config = ServeConfig.defaults()
                .withModel("peft-demo", ModelFields.of(SAMPLE.resolve("tiny-bloom").toString(),
                        SAMPLE.resolve("tiny-bloom-prompt-tuning").toString()))
                .withHost("127.0.0.1").withPorts(0, 0).withMmeshPort(0).withShutdownGrace(Duration.ofSeconds(5))
                .withAccess(new AccessPolicy(ApiKey.of(KEY, "test"), false, false));
        try (Engine engine = new Engine(EngineOptions.defaults());
             InferenceServer server = InferenceServer.start(config, engine)) {
            assertEquals(ModelState.READY, TestEngines.awaitLoaded(server, Duration.ofMinutes(2)).getFirst().state());
            List<String> command = new ArrayList<>(List.of(python, SCRIPT.toString(), stubs.toString(), "127.0.0.1",
                    String.valueOf(server.grpcPort()), String.valueOf(server.mmeshPort()), "peft-demo", pulled.toString(), KEY));
            Run client = run(command, work);
            assertEquals(0, client.code(), client.output());
            for (String check : CHECKS) {
                assertTrue(client.output().contains("ok: " + check + "\n"), "missing '" + check + "':\n" + client.output());
            }
        }
    }
}
