package dev.peftbench.serve.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code peftbench generate} as a user runs it: the bundled sample, one JSON object, clear errors. */
class GenerateCommandTest {

    private static final Path HOME = Path.of("..").toAbsolutePath().normalize();
    /** The reference request through the prompt-tuning adapter (fixtures' seed-prompt-tuning golden). */
    private static final List<Integer> GOLDEN_IDS = List.of(459, 248, 114, 142, 142, 142, 142, 142, 142, 142);

    record Run(int code, String out, String err) {
    }

    static Run run(String... args) {
        System.setProperty("peftbench.home", HOME.toString());
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = CommandLines.of(new GenerateCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void jsonModeOnTheBundledSamplePrintsOneObjectWithTheReferenceIds() throws Exception {
        Run r = run("--json", "--prompt", "Every day is a new binning, filled with optionpiening and hope");
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        List<Integer> ids = new ObjectMapper().convertValue(json.get("generated_token_ids"),
                new com.fasterxml.jackson.core.type.TypeReference<List<Integer>>() { });
        assertEquals(GOLDEN_IDS, ids);
        assertTrue(json.get("text").asText().startsWith("Tweet text : Every day is a new binning"), r.out());
        assertTrue(json.has("prompt_token_ids") && json.has("generated_text"));
        assertEquals(1, r.out().trim().lines().count(), "exactly one JSON object on stdout");
    }

    @Test
    void streamingModePrintsThePromptAndTheGeneratedText() {
        Run r = run("--prompt", "hello", "--template", "raw", "--adapter", "none", "--max-new-tokens", "3");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("hello"), r.out());
        assertTrue(r.err().contains("3 tokens"), r.err());
    }

    @Test
    void badValuesEndWithOneLineAndNoStackTrace() {
        for (String[] args : List.of(
                new String[] {"--prompt", "x", "--dtype", "int4"},
                new String[] {"--prompt", "x", "--template", "no placeholder"},
                new String[] {"--prompt", "x", "--max-new-tokens", "-1"},
                new String[] {"--prompt", "x", "--model", "/no/such/model"})) {
            Run r = run(args);
            assertEquals(1, r.code(), String.join(" ", args));
            assertEquals(1, r.err().lines().filter(l -> l.startsWith("error: ")).count(), r.err());
            assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        }
    }

    @Test
    void missingPromptIsAUsageError() {
        Run r = run();
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--prompt"), r.err());
    }
}
