package dev.peftbench.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.contract.BundledSample;
import dev.peftbench.engine.train.DataFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code peftbench eval} as users run it: on the bundled sample, on the shared fixtures' goldens, and as a process Ctrl+C stops. */
@Timeout(300)
class EvalCommandTest {

    private static final Path HOME = Path.of("..").toAbsolutePath().normalize();
    private static final Path MODEL = HOME.resolve("sample-data/models").resolve(BundledSample.MODEL);
    private static final Path SAMPLE_ADAPTER = HOME.resolve("sample-data/models/tiny-bloom-prompt-tuning");
    private static final Path SAMPLE_CSV = HOME.resolve("sample-data/tweet-complaints.csv");
    private static final Path FIXTURES = Path.of("src/test/resources/fixtures").toAbsolutePath();
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private Path sampleRows(int rows) throws IOException {
        List<String> lines = Files.readAllLines(SAMPLE_CSV);
        Path file = tmp.resolve("sample-" + rows + ".csv");
        Files.write(file, lines.subList(0, rows + 1));
        return file;
    }

    @Test
    void jsonIsOneObjectOfTheIssuesShapeWithOneResultPerAdapter() throws IOException {
        Path out = tmp.resolve("report");
        CliRun r = CliRun.inProcess("eval", "--model", MODEL.toString(), "--data", sampleRows(16).toString(),
                "--adapter", SAMPLE_ADAPTER.toString(), "--adapter", "none", "--json", "--out", out.toString());

        assertEquals(0, r.code(), r.err());
        assertEquals(1, r.out().trim().lines().count(), "exactly one JSON object on stdout: " + r.out());
        JsonNode json = JSON.readTree(r.out());
        assertEquals(16, json.get("rows").asInt());
        assertEquals("[\"complaint\",\"no complaint\"]", json.get("labels").toString());
        assertEquals(2, json.get("results").size());
        JsonNode adapter = json.get("results").get(0);
        assertEquals(SAMPLE_ADAPTER.toString(), adapter.get("adapter").asText());
        assertTrue(json.get("results").get(1).get("adapter").isNull(), "none is the base model: null");
        for (JsonNode result : json.get("results")) {
            for (String key : List.of("accuracy", "macro_f1", "per_label", "confusion_matrix", "mean_true_label_logprob", "ece",
                    "predictions")) {
                assertTrue(result.has(key), key + " in " + result);
            }
            assertEquals(16, result.get("predictions").size());
            int counted = 0;
            for (JsonNode line : result.get("confusion_matrix")) {
                for (JsonNode n : line) {
                    counted += n.asInt();
                }
            }
            assertEquals(16, counted, "every row once in the confusion matrix");
            JsonNode first = result.get("predictions").get(0);
            assertEquals(0, first.get("row").asInt());
            assertEquals("no complaint", first.get("label").asText());
            double sum = first.get("probabilities").get("complaint").asDouble() + first.get("probabilities").get("no complaint").asDouble();
            assertEquals(1, sum, 1e-12);
            assertTrue(first.get("label_logprobs").get("complaint").asDouble() < 0);
            for (String label : List.of("complaint", "no complaint")) {
                JsonNode p = result.get("per_label").get(label);
                assertTrue(p.has("precision") && p.has("recall") && p.has("f1") && p.has("support"), p.toString());
            }
        }
        assertTrue(adapter.get("accuracy").asDouble() > json.get("results").get(1).get("accuracy").asDouble(),
                "the tuned adapter beats the random base model: " + r.out());
        assertTrue(r.err().contains("rows/s") && r.err().contains("ETA"), r.err());
        assertEquals(json, JSON.readTree(out.resolve("report.json").toFile()), "report.json is what --json prints");
        DataFile csv = DataFile.read(out.resolve("predictions.csv"));
        assertEquals(List.of("adapter", "row", "text", "label", "predicted", "correct", "skipped", "logprob:complaint",
                "logprob:no complaint", "probability:complaint", "probability:no complaint"), csv.columns());
        assertEquals(2 * 16, csv.rows().size(), "a line per adapter and row");
        assertEquals(adapter.at("/predictions/3/label_logprobs/complaint").asDouble(),
                Double.parseDouble(csv.rows().get(3).get("logprob:complaint")));
    }

    /**
     * The shared fixtures' training golden (float64, outside the project): for each of its four rows, minus the summed
     * loss of the row with its label is that label's score, within 2e-3.
     */
    @Test
    void aRowsScoreForItsLabelIsMinusItsGoldenTrainingLoss() throws IOException {
        JsonNode golden = JSON.readTree(FIXTURES.resolve("training-prompt-tuning.json").toFile());
        List<String> lines = new ArrayList<>(List.of("Tweet text,text_label"));
        for (JsonNode e : golden.get("examples")) {
            lines.add(csv(e.get("text").asText()) + "," + e.get("label").asText());
        }
        Path rows = Files.write(tmp.resolve("golden.csv"), lines);

        CliRun r = CliRun.inProcess("eval", "--model", MODEL.toString(), "--adapter",
                FIXTURES.resolve("tiny-bloom-prompt-tuning").toString(), "--data", rows.toString(),
                "--eos-token-id", golden.get("eos_token_id").asText(), "--json");

        assertEquals(0, r.code(), r.err());
        JsonNode predictions = JSON.readTree(r.out()).get("results").get(0).get("predictions");
        for (int i = 0; i < golden.get("examples").size(); i++) {
            String label = golden.get("examples").get(i).get("label").asText();
            assertEquals(-golden.get("example_loss_sums").get(i).asDouble(),
                    predictions.get(i).get("label_logprobs").get(label).asDouble(), 2e-3, "row " + i);
        }
    }

    private static String csv(String value) {
        return "\"" + value.replace("\"", "\"\"") + "\"";
    }

    /** Rows without a text, with an empty label, with a label outside --labels or too long a prompt are listed, not lost. */
    @Test
    void rowsThatCannotBeEvaluatedAreReportedAndSkipped() throws IOException {
        Path rows = Files.write(tmp.resolve("rows.jsonl"), List.of(
                "{\"Tweet text\": \"my parcel is lost\", \"text_label\": \"complaint\"}",
                "{\"text_label\": \"complaint\"}",
                "{\"Tweet text\": \"no label here\", \"text_label\": \"\"}",
                "{\"Tweet text\": \"what a day\", \"text_label\": \"maybe\"}",
                "{\"Tweet text\": \"" + "so long ".repeat(1500) + "\", \"text_label\": \"complaint\"}",
                "{\"Tweet text\": \"thanks a lot\", \"text_label\": \"no complaint\"}"));
        for (String mode : List.of("score", "generate")) {
            CliRun r = CliRun.inProcess("eval", "--model", MODEL.toString(), "--data", rows.toString(),
                    "--labels", "complaint,no complaint", "--mode", mode, "--json");

            assertEquals(0, r.code(), mode + ": " + r.err());
            JsonNode result = JSON.readTree(r.out()).get("results").get(0);
            assertEquals(2, result.get("predictions").size(), mode + ": " + result);
            assertEquals(0, result.get("predictions").get(0).get("row").asInt());
            assertEquals(5, result.get("predictions").get(1).get("row").asInt());
            JsonNode skipped = result.get("skipped");
            assertEquals(List.of(1, 2, 3, 4), rowsOf(skipped), mode);
            assertTrue(skipped.get(0).get("reason").asText().contains("no text"), skipped.toString());
            assertTrue(skipped.get(1).get("reason").asText().contains("label is empty"), skipped.toString());
            assertTrue(skipped.get(2).get("reason").asText().contains("'maybe' is not in the label set"), skipped.toString());
            assertTrue(skipped.get(3).get("reason").asText().contains("tokens, more than"), skipped.toString());
            assertEquals(4, result.get("rows_skipped").asInt());
            if (mode.equals("generate")) {
                assertFalse(result.get("predictions").get(0).has("label_logprobs"), "generate mode has no scores");
                assertTrue(result.get("ece").isNull());
                assertEquals(3, result.get("confusion_matrix").get(0).size(), "the labels and (other)");
            }
        }
        CliRun text = CliRun.inProcess("eval", "--model", MODEL.toString(), "--data", rows.toString(), "--labels",
                "complaint,no complaint");
        assertTrue(text.out().contains("skipped row 2: the row's label is empty"), text.out());
    }

    private static List<Integer> rowsOf(JsonNode array) {
        List<Integer> rows = new ArrayList<>();
        array.forEach(n -> rows.add(n.get("row").asInt()));
        return rows;
    }

    /**
     * Generate mode: free greedy answers as the server gives them, a row correct when its trimmed answer is its label; the
     * sample adapter answers the bundled data's labels.
     */
    @Test
    void generateModeJudgesTheServersGreedyAnswers() throws IOException {
        CliRun r = CliRun.inProcess("eval", "--data", sampleRows(12).toString(), "--mode", "generate", "--json");

        assertEquals(0, r.code(), r.err());
        JsonNode json = JSON.readTree(r.out());
        assertEquals("generate", json.get("mode").asText());
        JsonNode result = json.get("results").get(0);
        assertEquals(SAMPLE_ADAPTER.toString(), result.get("adapter").asText(), "the default: the bundled sample's adapter");
        assertEquals("[\"complaint\",\"no complaint\",\"(other)\"]", result.get("confusion_matrix_columns").toString());
        int correct = 0;
        for (JsonNode p : result.get("predictions")) {
            correct += p.get("label").asText().equals(p.get("predicted").asText()) ? 1 : 0;
        }
        assertEquals(correct / 12.0, result.get("accuracy").asDouble(), 1e-12);
        CliRun generated = CliRun.inProcess("generate", "--prompt", "@BankWiseHelp the new savings pots feature is really handy",
                "--json");
        assertEquals(JSON.readTree(generated.out()).get("generated_text").asText().strip(),
                result.get("predictions").get(0).get("predicted").asText(), "the answer generate gives for row 0");
    }

    @Test
    void badInputEndsWithOneErrorLineAndNoStackTrace() throws IOException {
        Path rows = sampleRows(4);
        record Case(int code, String expected, String... args) {
        }
        for (Case c : List.of(
                new Case(1, "has no column 'tweet'", "--data", rows.toString(), "--text-column", "tweet"),
                new Case(1, "the labels name 'a' twice", "--data", rows.toString(), "--labels", "a,b,a"),
                new Case(1, "unknown evaluation mode 'guess'", "--data", rows.toString(), "--mode", "guess"),
                new Case(1, "is outside the model's", "--data", rows.toString(), "--eos-token-id", "99999"),
                new Case(2, "--limit must be >= 0", "--data", rows.toString(), "--limit", "-1"),
                new Case(2, "Missing required option: '--data=FILE'"))) {
            List<String> args = new ArrayList<>(List.of("eval", "--model", MODEL.toString()));
            args.addAll(List.of(c.args()));
            CliRun r = CliRun.inProcess(args.toArray(String[]::new));
            assertEquals(c.code(), r.code(), String.join(" ", c.args()) + ": " + r.err());
            assertTrue(r.err().contains(c.expected()), r.err());
            assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        }
    }

    /**
     * tune --eval-split scores its held-out rows through the same scoring as eval: the training record's label scores
     * are what eval gives for the adapter it wrote (the trainer's float32 PyTorch and the engine's kernels, within 2e-3).
     */
    @Test
    void tunesHeldOutScoresAreWhatEvalGivesForTheWrittenAdapter() throws IOException {
        Path rows = sampleRows(16);
        Path adapter = tmp.resolve("adapter");
        CliRun tuned = CliRun.inProcess("tune", "--model", MODEL.toString(), "--data", rows.toString(), "--out", adapter.toString(),
                "--epochs", "2", "--batch-size", "4", "--eval-split", "0.25", "--eos-token-id", "3", "--json");
        assertEquals(0, tuned.code(), tuned.err());
        JsonNode scores = JSON.readTree(tuned.out()).at("/evaluation/scores");
        assertEquals(4, scores.get("predictions").size(), scores.toString());

        CliRun evaluated = CliRun.inProcess("eval", "--model", MODEL.toString(), "--adapter", adapter.toString(),
                "--data", rows.toString(), "--json");
        assertEquals(0, evaluated.code(), evaluated.err());
        JsonNode all = JSON.readTree(evaluated.out()).get("results").get(0).get("predictions");
        for (JsonNode held : scores.get("predictions")) {
            JsonNode same = all.get(held.get("row").asInt());
            assertEquals(held.get("predicted").asText(), same.get("predicted").asText(), held.toString());
            for (Iterator<Map.Entry<String, JsonNode>> it = held.get("label_logprobs").fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                assertEquals(e.getValue().asDouble(), same.get("label_logprobs").get(e.getKey()).asDouble(), 2e-3,
                        "row " + held.get("row") + " label " + e.getKey());
            }
        }
        assertTrue(tuned.err().contains("evaluating on 4 held-out rows"), tuned.err());
    }

    /** Ctrl+C prints the report of the rows evaluated so far, as one JSON object with --json. */
    @Test
    void ctrlCReportsTheRowsEvaluatedSoFar() throws Exception {
        DataFile sample = DataFile.read(SAMPLE_CSV);
        List<String> texts = sample.column("Tweet text");
        List<String> labels = sample.column("text_label");
        List<String> lines = new ArrayList<>(List.of("Tweet text,text_label"));
        for (int i = 0; i < 3000; i++) {
            // each row its own context (repeated ones would be scored once)
            lines.add(csv("(" + i + ") " + texts.get(i % texts.size())) + "," + labels.get(i % texts.size()));
        }
        Path rows = Files.write(tmp.resolve("many.csv"), lines);
        Path err = tmp.resolve("stderr.txt");
        Path out = tmp.resolve("stdout.txt");
        List<String> command = new ArrayList<>(defaultSigint());
        command.addAll(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Dai.djl.offline=true",
                "-Dpeftbench.home=" + HOME, "-cp", System.getProperty("java.class.path"), PeftbenchCli.class.getName(),
                "eval", "--model", MODEL.toString(), "--data", rows.toString(), "--mode", "generate", "--json"));
        Process p = new ProcessBuilder(command).redirectError(err.toFile()).redirectOutput(out.toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!(Files.exists(err) && Files.readString(err).contains("rows/s")) && System.nanoTime() < deadline) {
                if (!p.isAlive()) {
                    throw new AssertionError("eval ended early: " + read(err));
                }
                Thread.sleep(200);
            }
            new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "eval did not end after Ctrl+C: " + read(err));
        } finally {
            p.destroyForcibly();
        }
        assertTrue(read(err).contains("interrupted: "), read(err));
        JsonNode result = JSON.readTree(read(out)).get("results").get(0);
        assertTrue(result.get("cancelled").asBoolean(), result.toString());
        int done = result.get("predictions").size();
        assertTrue(done >= 1 && done < 3000, done + " rows");
        assertEquals(done, result.get("rows_evaluated").asInt());
    }

    /**
     * A job started in the background by a non-interactive shell inherits SIGINT ignored, and the JVM then installs no
     * handler for it: {@code env --default-signal=INT} (coreutils 8.31+) gives the child the default back, so the test
     * sends what a terminal's Ctrl+C sends whoever started the build.
     */
    private static List<String> defaultSigint() throws Exception {
        Process probe = new ProcessBuilder("env", "--default-signal=INT", "true").redirectErrorStream(true).start();
        return probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0 ? List.of("env", "--default-signal=INT") : List.of();
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }
}
