package dev.peftbench.publish.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code publish --dry-run} as an operator runs it: the YAML on stdout, what to know on stderr. */
class PublishCommandTest {

    private record Run(int code, String out, String err) {
        /** The YAML's documents, for assertions on structure rather than layout. */
        List<JsonNode> documents() throws IOException {
            List<JsonNode> docs = new ArrayList<>();
            try (var parser = YAML.getFactory().createParser(out)) {
                YAML.readValues(parser, JsonNode.class).forEachRemaining(docs::add);
            }
            return docs;
        }

        String env() throws IOException {
            return documents().getFirst().at("/spec/containers/0/env").toString();
        }
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static Run dryRun(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = new CommandLine(new PublishCommand()).setOut(new PrintWriter(out)).setErr(new PrintWriter(err));
        List<String> all = new ArrayList<>(List.of("--dry-run", "--image", "registry.example/peft:1"));
        all.addAll(List.of(args));
        int code = cli.execute(all.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void theRuntimeComputesInBfloat16AndCachesHubDownloadsInAVolumeByDefault() throws IOException {
        Run run = dryRun();
        assertEquals(0, run.code(), run.err());
        assertTrue(run.env().contains("{\"name\":\"PEFTBENCH_DTYPE\",\"value\":\"bfloat16\"}"), run.env());
        JsonNode runtime = run.documents().getFirst();
        assertEquals("/tmp/huggingface", runtime.at("/spec/containers/0/volumeMounts/0/mountPath").asText());
        assertEquals("{}", runtime.at("/spec/volumes/0/emptyDir").toString());
        assertFalse(run.out().contains("HF_TOKEN"), "no token unless a Secret is named");
        assertTrue(dryRun("--dtype", "float32").env().contains("{\"name\":\"PEFTBENCH_DTYPE\",\"value\":\"float32\"}"));
    }

    @Test
    void aLocalFolderForTheModelIsWarnedAboutNamingWhatToDo(@TempDir Path tmp) {
        Run run = dryRun("--model", tmp.toString());
        assertEquals(0, run.code(), run.err());
        assertTrue(run.err().startsWith("warning: PRETRAINED_MODEL_PATH=" + tmp) && run.err().contains("--model-source baked"),
                run.err());
        assertTrue(run.out().contains("value: \"" + tmp + "\""), "the YAML is still printed: " + run.out());
        assertEquals("", dryRun("--model", "bigscience/bloomz-560m").err());
    }

    @Test
    void aBakedModelIsLoadedFromTheImageNotFromThePlaceholderStoragePath(@TempDir Path tmp) throws Exception {
        Path model = Files.createDirectories(tmp.resolve("model"));
        Files.writeString(model.resolve("config.json"), "{}");
        Run run = dryRun("--model-source", "baked", "--bake-model", model.toString());
        assertEquals(0, run.code(), run.err());
        assertFalse(run.out().contains("sklearn/mnist-svm.joblib") || run.out().contains("localMinIO"), run.out());
        List<JsonNode> docs = run.documents();
        assertEquals("{\"path\":\"/models/base\"}", docs.get(1).at("/spec/predictor/model/storage").toString());
        assertTrue(docs.get(0).at("/spec/storageHelper/disabled").asBoolean(), run.out());
        assertFalse(run.out().contains("builtInAdapter"), "a baked model runs on the native runtime: " + run.out());
        assertEquals("", run.err(), "the baked folders are the image's: no warning");
    }

    @Test
    void theGatewayNeedsItsHostsAndAnHfTokenComesFromASecret() throws IOException {
        Run refused = dryRun("--gateway");
        assertEquals(1, refused.code());
        assertTrue(refused.err().contains("--gateway-host"), refused.err());
        Run run = dryRun("--gateway-host", "peft.example.com", "--hf-token-secret", "hf:hub-token");
        assertEquals(0, run.code(), run.err());
        List<JsonNode> docs = run.documents();
        assertEquals("[\"peft.example.com\"]", docs.get(3).at("/spec/servers/0/hosts").toString());
        assertEquals("[\"peft.example.com\"]", docs.get(4).at("/spec/hosts").toString());
        assertEquals("/v1/", docs.get(4).at("/spec/http/1/match/0/uri/prefix").asText());
        assertTrue(run.env().contains("{\"name\":\"HF_TOKEN\",\"valueFrom\":{\"secretKeyRef\":{\"name\":\"hf\",\"key\":\"hub-token\"}}}"),
                run.env());
        assertTrue(run.err().contains("without a key"), "an open gateway is worth a warning: " + run.err());
    }
}
