package dev.peftbench.serve;

import dev.peftbench.contract.ModelFields;
import dev.peftbench.engine.Engine;
import dev.peftbench.engine.EngineOptions;
import dev.peftbench.serve.repository.ModelState;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The real server on the bundled sample, driven by the official OpenAI SDK for JavaScript (npm {@code openai}) as a
 * user drives it: log-probabilities on both routes, streamed, with {@code echo}, and vLLM's {@code guided_choice} as an
 * extra body field. The script is {@code src/test/node/openai_sdk_client.mjs}; the SDK is looked for in
 * {@code target/openai-sdk}, where the test installs it with npm when it is not there yet.
 */
class OpenAiSdkClientTest {

    private static final Path SAMPLE = Path.of("..", "sample-data", "models").toAbsolutePath().normalize();
    private static final Path SDK = Path.of("target", "openai-sdk").toAbsolutePath();
    /** The SDK release this test was written against (its legacy completions logprobs and extra body fields). */
    private static final String SDK_VERSION = "6.30.1";
    private static final Path SCRIPT = Path.of("src", "test", "node", "openai_sdk_client.mjs").toAbsolutePath();
    private static final List<String> CHECKS = List.of("chat logprobs content", "chat logprobs streamed",
            "completions logprobs with echo", "chat guided_choice seed 3", "completions guided_choice seed 3",
            "top_logprobs 21 refused");

    private record Run(int code, String output) {
    }

    private static Run run(List<String> command) throws Exception {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(3, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            fail("timed out: " + command);
        }
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    /**
     * node, and the SDK in {@code target/openai-sdk}, installed there from npm on first use. Their absence is a failure
     * naming the packages, never a skip: a suite that passes without this client has not checked it.
     */
    private static void requireSdk() throws Exception {
        String install = "install Node.js and npm ('sudo apt-get install -y nodejs npm' on Debian and Ubuntu; .ci/run does it)"
                + " and run the tests again";
        try {
            if (run(List.of("node", "--version")).code() != 0) {
                fail("this test drives the server with the OpenAI SDK for JavaScript, and node does not run: " + install);
            }
        } catch (IOException notThere) {
            fail("this test drives the server with the OpenAI SDK for JavaScript, and node is missing: " + install);
        }
        if (Files.isRegularFile(SDK.resolve("node_modules/openai/index.mjs"))) {
            return;
        }
        List<String> npm = List.of("npm", "install", "--prefix", SDK.toString(), "--no-save", "--no-audit", "--no-fund",
                "openai@" + SDK_VERSION);
        Run installed;
        try {
            installed = run(npm);
        } catch (IOException notThere) {
            fail("the OpenAI SDK is not in " + SDK + " and npm is missing: " + install);
            return;
        }
        if (installed.code() != 0 || !Files.isRegularFile(SDK.resolve("node_modules/openai/index.mjs"))) {
            fail("could not install the OpenAI SDK (" + String.join(" ", npm) + "):\n" + installed.output());
        }
    }

    @Test
    void theOfficialSdkReadsLogprobsAndSendsGuidedChoice() throws Exception {
        requireSdk();
        ServeConfig config = ServeConfig.defaults()
                .withModel("peft-demo", ModelFields.of(SAMPLE.resolve("tiny-bloom").toString(),
                        SAMPLE.resolve("tiny-bloom-prompt-tuning").toString()))
                .withHost("127.0.0.1").withPorts(0, 0).withShutdownGrace(Duration.ofSeconds(5));
        try (Engine engine = new Engine(EngineOptions.defaults());
             InferenceServer server = InferenceServer.start(config, engine)) {
            assertEquals(ModelState.READY, TestEngines.awaitLoaded(server, Duration.ofMinutes(2)).getFirst().state());
            Run client = run(List.of("node", SCRIPT.toString(), SDK.toString(),
                    "http://127.0.0.1:" + server.httpPort() + "/v1", "peft-demo"));
            assertEquals(0, client.code(), client.output());
            for (String check : CHECKS) {
                assertTrue(client.output().contains("ok: " + check + "\n"), "missing '" + check + "':\n" + client.output());
            }
        }
    }
}
