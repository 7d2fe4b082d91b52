package dev.peftbench.cli;

import dev.peftbench.serve.cli.CommandLines;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peftbench.engine.train.DataFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code peftbench generate} as a user runs it: the bundled sample, one JSON object, clear errors. */
class GenerateCommandTest {

    private static final Path HOME = Path.of("..").toAbsolutePath().normalize();
    private static final String REFERENCE_INPUT = "Every day is a new binning, filled with optionpiening and hope";

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

    /**
     * The bundled adapter was tuned on sample-data/tweet-complaints.csv (the README's command), which has the
     * reference tweet: the sample answers with that row's label and stops (the label was followed by id 3,
     * where BLOOM's generation stops).
     */
    @Test
    void jsonModeOnTheBundledSampleAnswersTheReferenceTweetWithItsLabelFromTheTuningData() throws Exception {
        Run r = run("--json", "--prompt", REFERENCE_INPUT);
        assertEquals(0, r.code(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        String label = DataFile.read(HOME.resolve("sample-data/tweet-complaints.csv")).examples("Tweet text", "text_label").stream()
                .filter(e -> e.text().equals(REFERENCE_INPUT)).findFirst().orElseThrow().label();
        assertEquals(label, json.get("generated_text").asText());
        assertEquals("Tweet text : " + REFERENCE_INPUT + " Label : " + label, json.get("text").asText());
        assertEquals("eos_token", json.get("finish_reason").asText());
        assertTrue(json.has("prompt_token_ids") && json.has("generated_text"));
        assertEquals(1, r.out().trim().lines().count(), "exactly one JSON object on stdout");
    }

    /** 8-bit weights quantized at load, the prompt-tuning adapter on top: the first id float32 weights give. */
    @Test
    void int8WeightsKeepFloat32sFirstIdOnTheBundledSample() throws Exception {
        int[] first = new int[2];
        String[] dtypes = {"float32", "int8"};
        for (int i = 0; i < dtypes.length; i++) {
            Run r = run("--json", "--dtype", dtypes[i], "--max-new-tokens", "1", "--prompt", REFERENCE_INPUT);
            assertEquals(0, r.code(), r.err());
            first[i] = new ObjectMapper().readTree(r.out()).get("generated_token_ids").get(0).asInt();
        }
        assertEquals(first[0], first[1], "int8's first id against float32's");
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

    @TempDir
    Path tmp;

    private Path messagesFile(String json) throws Exception {
        Path f = tmp.resolve("messages.json");
        Files.writeString(f, json);
        return f;
    }

    @Test
    void messagesAreRenderedByTheModelsChatTemplateAndTheJsonCarriesThePrompt() throws Exception {
        Path f = messagesFile("[{\"role\": \"system\", \"content\": \"Be brief.\"}, {\"role\": \"user\", \"content\": \"Hi\"}]");
        Run r = run("--json", "--adapter", "none", "--messages", f.toString(), "--max-new-tokens", "3");
        assertEquals(0, r.code(), r.err());
        assertEquals(1, r.out().trim().lines().count(), "exactly one JSON object on stdout");
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals("<|im_start|>system\nBe brief.</s>\n<|im_start|>user\nHi</s>\n<|im_start|>assistant\n",
                json.get("prompt").asText());
        assertTrue(json.get("text").asText().endsWith(json.get("generated_text").asText()), r.out());
        Run plain = run("--json", "--adapter", "none", "--template", "raw", "--max-new-tokens", "3",
                "--prompt", json.get("prompt").asText());
        JsonNode same = new ObjectMapper().readTree(plain.out());
        assertEquals(same.get("generated_token_ids"), json.get("generated_token_ids"), "the rendered prompt continues like the same raw text");
    }

    @Test
    void chatTemplateKwargsBecomeTemplateVariables() throws Exception {
        Path f = messagesFile("[{\"role\": \"user\", \"content\": \"Hi\"}]");
        Run r = run("--json", "--messages", f.toString(), "--chat-template-kwargs", "{\"eos_token\": \"<END>\"}",
                "--max-new-tokens", "1");
        assertEquals(0, r.code(), r.err());
        assertEquals("<|im_start|>user\nHi<END>\n<|im_start|>assistant\n", new ObjectMapper().readTree(r.out()).get("prompt").asText());
    }

    @Test
    void streamingChatPrintsTheRenderedPromptFirst() throws Exception {
        Path f = messagesFile("[{\"role\": \"user\", \"content\": \"Hi\"}]");
        Run r = run("--messages", f.toString(), "--max-new-tokens", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("<|im_start|>user\nHi</s>\n<|im_start|>assistant\n"), r.out());
    }

    @Test
    void badChatInputEndsWithOneLine() throws Exception {
        Path robot = messagesFile("[{\"role\": \"robot\", \"content\": \"beep\"}]");
        Path notJson = tmp.resolve("broken.json");
        Files.writeString(notJson, "[{\"role\": ");
        Path notList = tmp.resolve("object.json");
        Files.writeString(notList, "{\"role\": \"user\", \"content\": \"Hi\"}");
        Path noContent = tmp.resolve("nocontent.json");
        Files.writeString(noContent, "[{\"role\": \"user\"}]");
        record Bad(List<String> args, String words) {
        }
        for (Bad bad : List.of(
                new Bad(List.of("--messages", robot.toString()), "chat template: Unknown role \"robot\""),
                new Bad(List.of("--messages", notJson.toString()), "not valid JSON"),
                new Bad(List.of("--messages", notList.toString()), "must be a list"),
                new Bad(List.of("--messages", noContent.toString()), "messages[0].content is missing"),
                new Bad(List.of("--messages", tmp.resolve("absent.json").toString()), "does not exist"),
                new Bad(List.of("--messages", robot.toString(), "--chat-template-kwargs", "[1]"), "JSON object"),
                new Bad(List.of("--messages", robot.toString(), "--chat-template-kwargs", "{"), "not valid JSON"))) {
            List<String> args = new java.util.ArrayList<>(List.of("--adapter", "none"));
            args.addAll(bad.args());
            Run r = run(args.toArray(String[]::new));
            assertEquals(1, r.code(), String.join(" ", args) + " " + r.err());
            List<String> errors = r.err().lines().filter(l -> l.startsWith("error: ")).toList();
            assertEquals(1, errors.size(), r.err());
            assertTrue(errors.getFirst().contains(bad.words()), errors.getFirst());
            assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        }
    }

    @Test
    void aBrokenMessagesFileIsNamedWithWhereItBreaksAndNothingOfTheParser() throws Exception {
        Path unclosed = tmp.resolve("unclosed.json");
        Files.writeString(unclosed, "[\n  {\"role\": \"user\", \"content\": \"hi\"");
        Run r = run("--adapter", "none", "--messages", unclosed.toString());
        assertEquals(1, r.code());
        assertEquals("error: --messages file " + unclosed + " is not valid JSON at line 2, column 35: Unexpected "
                + "end-of-input: expected close marker for Object (opened at line 2, column 3)", r.err().strip());
        Run kwargs = run("--adapter", "none", "--messages", messagesFile("[{\"role\": \"user\", \"content\": \"Hi\"}]").toString(),
                "--chat-template-kwargs", "{\"a\": [1}");
        assertEquals(1, kwargs.code());
        assertTrue(kwargs.err().startsWith("error: --chat-template-kwargs is not valid JSON at line 1, column 9: Unexpected close marker '}': expected ']' (for Array starting at line 1, column 7)"), kwargs.err());
        assertFalse(kwargs.err().contains("REDACTED") || kwargs.err().contains("StreamReadFeature"), kwargs.err());
    }

    @Test
    void promptAndMessagesAreExclusiveUsageErrors() throws Exception {
        Path f = messagesFile("[{\"role\": \"user\", \"content\": \"Hi\"}]");
        assertEquals(2, run("--prompt", "x", "--messages", f.toString()).code());
        Run kwargsAlone = run("--prompt", "x", "--chat-template-kwargs", "{}");
        assertEquals(2, kwargsAlone.code());
        assertTrue(kwargsAlone.err().contains("--chat-template-kwargs needs --messages"), kwargsAlone.err());
    }

    /** A copy of the bundled LoRA whose adapter_config.json names {@code base} and, when given, other target modules. */
    private Path loraNaming(Path folder, String base, String targetModules) throws Exception {
        Files.createDirectories(folder);
        Path lora = HOME.resolve("sample-data/models/tiny-bloom-lora");
        Files.copy(lora.resolve("adapter_model.safetensors"), folder.resolve("adapter_model.safetensors"));
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(lora.resolve("adapter_config.json").toFile());
        config.put("base_model_name_or_path", base);
        if (targetModules != null) {
            config.set("target_modules", new ObjectMapper().readTree(targetModules));
        }
        Files.writeString(folder.resolve("adapter_config.json"), config.toPrettyString());
        return folder;
    }

    /** issue 28 item 12: no --model, so the adapter's own base_model_name_or_path (a sibling folder here), not the sample. */
    @Test
    void anAdapterAloneRunsOnTheBaseModelItNames() throws Exception {
        Path base = Files.createDirectories(tmp.resolve("models/my-base"));
        try (var files = Files.list(HOME.resolve("sample-data/models/tiny-bloom"))) {
            for (Path f : files.toList()) {
                Files.copy(f, base.resolve(f.getFileName()));
            }
        }
        Path adapter = loraNaming(tmp.resolve("models/my-adapter"), "my-base", null);
        Run alone = run("--json", "--adapter", adapter.toString(), "--prompt", REFERENCE_INPUT, "--max-new-tokens", "3");
        assertEquals(0, alone.code(), alone.err());
        assertTrue(alone.err().contains("using " + base.toAbsolutePath().normalize() + ", the base model adapter " + adapter + " names"),
                alone.err());
        Run named = run("--json", "--model", base.toString(), "--adapter", adapter.toString(), "--prompt", REFERENCE_INPUT,
                "--max-new-tokens", "3");
        assertEquals(new ObjectMapper().readTree(named.out()).get("generated_token_ids"),
                new ObjectMapper().readTree(alone.out()).get("generated_token_ids"));
    }

    /** The bundled adapters name their base as peft wrote it: a sibling ("tiny-bloom") and a path from the project's root. */
    @Test
    void theBundledAdaptersFindTheirBaseByItsRelativeName() {
        for (String adapter : List.of("tiny-bloom-lora", "tiny-bloom-prompt-tuning")) {
            Run r = run("--json", "--adapter", HOME.resolve("sample-data/models").resolve(adapter).toString(), "--prompt", "x",
                    "--max-new-tokens", "1");
            assertEquals(0, r.code(), r.err());
            assertTrue(r.err().contains("using " + HOME.resolve("sample-data/models/tiny-bloom") + ", the base model"), r.err());
        }
    }

    @Test
    void anAdapterForAnotherBaseIsReportedAsAMismatchNamingBoth() throws Exception {
        Path adapter = loraNaming(tmp.resolve("llama-lora"), "tiny-llama", "[\"q_proj\", \"v_proj\"]");
        Path bloom = HOME.resolve("sample-data/models/tiny-bloom");
        Run r = run("--adapter", adapter.toString(), "--model", bloom.toString(), "--prompt", "x");
        assertEquals(1, r.code(), r.err());
        List<String> errors = r.err().lines().filter(l -> l.startsWith("error: ")).toList();
        assertEquals(1, errors.size(), r.err());
        assertTrue(errors.getFirst().contains("adapter " + adapter + " was trained for another base model than ")
                && errors.getFirst().contains("tiny-bloom (BloomForCausalLM); it names tiny-llama as its base"), errors.getFirst());
    }
}
