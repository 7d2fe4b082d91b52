package dev.peftbench.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.contract.BundledSample;
import dev.peftbench.engine.Device;
import dev.peftbench.engine.hub.HubSettings;
import dev.peftbench.engine.train.MethodSettings;
import dev.peftbench.engine.train.OptimizationSettings;
import dev.peftbench.engine.train.Optimizer;
import dev.peftbench.engine.train.Trainer;
import dev.peftbench.engine.train.TuningData;
import dev.peftbench.engine.train.TuningJob;
import dev.peftbench.engine.train.TuningListener;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code peftbench tune} as users run it: from the root command, and as a process that Ctrl+C interrupts. */
@Timeout(300)
class TuneCommandTest {

    private static final Path HOME = Path.of("..").toAbsolutePath().normalize();
    private static final Path MODEL = HOME.resolve("sample-data/models").resolve(BundledSample.MODEL);
    private static final Path SAMPLE_CSV = HOME.resolve("sample-data/tweet-complaints.csv");

    @TempDir
    Path tmp;

    /** The first {@code rows} rows of the bundled sample's CSV. */
    private Path sampleRows(int rows) throws IOException {
        List<String> lines = Files.readAllLines(SAMPLE_CSV);
        Path file = tmp.resolve("sample-" + rows + ".csv");
        Files.write(file, lines.subList(0, rows + 1));
        return file;
    }

    @Test
    void jsonModePrintsTheRecordAsOneObjectAndProgressGoesToStderr() throws IOException {
        Path out = tmp.resolve("adapter");
        CliRun r = CliRun.inProcess("tune", "--model", MODEL.toString(), "--data", sampleRows(16).toString(), "--out", out.toString(),
                "--epochs", "2", "--batch-size", "4", "--eval-split", "0.25", "--json");
        assertEquals(0, r.code(), r.err());
        assertEquals(1, r.out().trim().lines().count(), "exactly one JSON object on stdout: " + r.out());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(out.toAbsolutePath().toString(), json.get("out").asText());
        assertEquals("prompt-tuning", json.get("method").asText());
        assertEquals(6, json.get("steps").asInt());
        assertEquals(6, json.get("loss_curve").size());
        assertEquals(4, json.at("/evaluation/rows").asInt());
        assertEquals(64, json.at("/data/sha256").asText().length());
        assertTrue(r.err().contains("step 1/6") && r.err().contains("tokens/s") && r.err().contains("ETA"), r.err());
        assertTrue(r.err().contains("evaluating on 4 held-out rows"), r.err());

        CliRun generated = CliRun.inProcess("generate", "--model", MODEL.toString(), "--adapter", out.toString(), "--prompt", "hello",
                "--max-new-tokens", "3", "--json");
        assertEquals(0, generated.code(), generated.err());
    }

    /** The job these flags describe, which TunePageTest holds the Tune page to: the command writes what it writes. */
    @Test
    void flagsWithTheirDefaultsRunTheJobTheTunePageRuns() throws IOException {
        Path rows = sampleRows(16);
        Path out = tmp.resolve("from-command");
        CliRun r = CliRun.inProcess("tune", "--model", MODEL.toString(), "--data", rows.toString(), "--out", out.toString(),
                "--epochs", "2", "--batch-size", "4", "--eval-split", "0.25");
        assertEquals(0, r.code(), r.err());
        Path job = tmp.resolve("from-job");
        new Trainer(HubSettings.fromEnvironment()).run(new TuningJob(MODEL.toString(), null, Device.CPU,
                new TuningData(rows, "Tweet text", "text_label", "seed", 0.25, null, false, null, false),
                new MethodSettings(null, null, null, null, null, null, null, null),
                new OptimizationSettings(2, 4, null, Optimizer.Kind.ADAMW, null, 0, 0, 1, OptimizationSettings.DEFAULT_SEED, true),
                job), TuningListener.NONE, () -> false);
        for (String file : List.of("adapter_model.safetensors", "adapter_config.json")) {
            assertArrayEquals(Files.readAllBytes(job.resolve(file)), Files.readAllBytes(out.resolve(file)), file);
        }
    }

    @Test
    void tuningTwiceIntoOneFolderIsRefusedUnlessOverwriteAndTheUnendingLabelIsWarnedAbout() throws IOException {
        Path rows = sampleRows(8);
        Path out = tmp.resolve("adapter");
        String[] args = {"tune", "--model", MODEL.toString(), "--data", rows.toString(), "--out", out.toString(), "--max-steps", "1"};
        CliRun first = CliRun.inProcess(args);
        assertEquals(0, first.code(), first.err());
        assertTrue(first.err().contains("warning: the labels end with id 2 (the tokenizer's eos), which is not one of the ids "
                + "BloomForCausalLM stops at [3]"), first.err());
        byte[] adapter = Files.readAllBytes(out.resolve("adapter_model.safetensors"));

        CliRun again = CliRun.inProcess(args);
        assertEquals(1, again.code());
        assertEquals("error: --out " + out + " is not empty (it holds an adapter): use --overwrite to replace what it holds, "
                + "or name another folder", again.err().strip());
        assertArrayEquals(adapter, Files.readAllBytes(out.resolve("adapter_model.safetensors")));

        List<String> overwrite = new ArrayList<>(List.of(args));
        overwrite.addAll(List.of("--overwrite", "--eos-token-id", "3"));
        CliRun replaced = CliRun.inProcess(overwrite.toArray(String[]::new));
        assertEquals(0, replaced.code(), replaced.err());
        assertFalse(replaced.err().contains("warning:"), "id 3 is BLOOM's stop id here: " + replaced.err());
    }

    @Test
    void saveStepsWritesCheckpointsThatResumeContinues() throws IOException {
        Path rows = sampleRows(16);
        Path whole = tmp.resolve("whole");
        List<String> common = List.of("tune", "--model", MODEL.toString(), "--data", rows.toString(), "--epochs", "2",
                "--batch-size", "4", "--eos-token-id", "3");
        List<String> wholeArgs = new ArrayList<>(common);
        wholeArgs.addAll(List.of("--out", whole.toString(), "--save-steps", "3"));
        CliRun r = CliRun.inProcess(wholeArgs.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.err().contains("saved " + whole.resolve("checkpoint-3")), r.err());
        assertTrue(Files.isRegularFile(whole.resolve("checkpoint-6/optimizer.safetensors")));

        Path resumed = tmp.resolve("resumed");
        List<String> resumeArgs = new ArrayList<>(common);
        resumeArgs.addAll(List.of("--out", resumed.toString(), "--resume", whole.resolve("checkpoint-3").toString()));
        CliRun again = CliRun.inProcess(resumeArgs.toArray(String[]::new));
        assertEquals(0, again.code(), again.err());
        assertArrayEquals(Files.readAllBytes(whole.resolve("adapter_model.safetensors")),
                Files.readAllBytes(resumed.resolve("adapter_model.safetensors")));
    }

    @Test
    void badInputEndsWithOneErrorLineAndNoStackTrace() throws IOException {
        Path rows = sampleRows(8);
        Path notes = Files.writeString(tmp.resolve("notes.txt"), "hello");
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        record Case(int code, String expected, String... args) {
        }
        for (Case c : List.of(
                new Case(1, "has no column 'tweet'", "--data", rows.toString(), "--text-column", "tweet"),
                new Case(1, "is neither CSV", "--data", notes.toString()),
                new Case(1, "unknown method 'dora'", "--data", rows.toString(), "--method", "dora"),
                new Case(1, "unknown optimizer 'adam'", "--data", rows.toString(), "--optimizer", "adam"),
                new Case(1, "--lr must be a positive number", "--data", rows.toString(), "--lr", "-1"),
                new Case(1, "is a file; name a folder", "--data", rows.toString(), "--out", file.toString()),
                new Case(1, "are LoRA settings, not prompt tuning's", "--data", rows.toString(), "--method", "prompt-tuning",
                        "--lora-r", "4"),
                new Case(2, "--long-rows must be fail or skip", "--data", rows.toString(), "--long-rows", "maybe"))) {
            List<String> args = new ArrayList<>(List.of("tune", "--model", MODEL.toString()));
            args.addAll(List.of(c.args()));
            if (!args.contains("--out")) {
                args.addAll(List.of("--out", tmp.resolve("out").toString()));
            }
            CliRun r = CliRun.inProcess(args.toArray(String[]::new));
            assertEquals(c.code(), r.code(), String.join(" ", c.args()) + ": " + r.err());
            assertEquals(1, r.err().lines().filter(l -> l.startsWith("error: ")).count(), r.err());
            assertTrue(r.err().contains(c.expected()), r.err());
            assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
        }
    }

    /**
     * Ctrl+C (SIGINT) and {@code kill} (SIGTERM, what systemd, Docker and Kubernetes send) end a run the same way: the
     * JVM runs the command's shutdown hook, which stops after the step under way and writes the adapter.
     * <p>
     * A job a non-interactive shell starts in the background ({@code bash -c './peftbench test &'}, nohup, many CI
     * agents) inherits SIGINT ignored, and HotSpot then installs no handler for it (JVM_RegisterSignal leaves an ignored
     * shutdown signal alone, so that nohup works): a SIGINT would not reach the run whichever way the suite started.
     * So the run gets SIGINT's default back first ({@code env --default-signal=INT}, coreutils 8.31+), as an
     * interactive shell gives a foreground job, which is where a Ctrl+C comes from. SIGTERM is never ignored so.
     */
    @ParameterizedTest(name = "SIG{0}")
    @ValueSource(strings = {"INT", "TERM"})
    void aSignalWritesTheAdapterAsItStandsAfterTheLastStep(String signal) throws Exception {
        Path out = tmp.resolve("interrupted");
        Path err = tmp.resolve("stderr.txt");
        List<String> command = new ArrayList<>(signal.equals("INT") ? sigintAtItsDefault() : List.of());
        command.addAll(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-modules", "jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Dai.djl.offline=true",
                "-Dpeftbench.home=" + HOME, "-cp", System.getProperty("java.class.path"), PeftbenchCli.class.getName(),
                "tune", "--model", MODEL.toString(), "--data", SAMPLE_CSV.toString(), "--out", out.toString(), "--epochs", "500"));
        Process p = new ProcessBuilder(command).redirectError(err.toFile()).redirectOutput(tmp.resolve("stdout.txt").toFile()).start();
        try {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            while (!(Files.exists(err) && Files.readString(err).contains("step 1/")) && System.nanoTime() < deadline) {
                if (!p.isAlive()) {
                    throw new AssertionError("tune ended early: " + read(err));
                }
                Thread.sleep(200);
            }
            new ProcessBuilder("kill", "-" + signal, String.valueOf(p.pid())).start().waitFor();
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "tune did not end after SIG" + signal + ": " + read(err));
        } finally {
            p.destroyForcibly();
        }
        String stderr = read(err);
        assertTrue(stderr.contains("interrupted after step"), stderr);
        JsonNode record = new ObjectMapper().readTree(out.resolve("training_record.json").toFile());
        assertTrue(record.get("interrupted").asBoolean(), record.toString());
        assertTrue(record.get("steps").asInt() >= 1 && record.get("steps").asInt() < record.get("total_steps").asInt());
        assertTrue(Files.size(out.resolve("adapter_model.safetensors")) > 0);
        CliRun generated = CliRun.inProcess("generate", "--model", MODEL.toString(), "--adapter", out.toString(), "--prompt", "hello",
                "--max-new-tokens", "2", "--json");
        assertEquals(0, generated.code(), generated.err());
    }

    /**
     * A command prefix that starts a process with SIGINT at its default: coreutils' {@code env --default-signal=INT}, else
     * perl (Debian's perl-base is essential; macOS has one). With neither, nothing is prefixed, which is enough where this
     * JVM's own SIGINT is not ignored; where it is (Linux says so in /proc/self/status), the test says what it needs.
     */
    private static List<String> sigintAtItsDefault() throws Exception {
        for (List<String> prefix : List.of(List.of("env", "--default-signal=INT"),
                List.of("perl", "-e", "$SIG{INT} = 'DEFAULT'; exec {$ARGV[0]} @ARGV or die $!"))) {
            try {
                Process probe = new ProcessBuilder(Stream.concat(prefix.stream(), Stream.of("true")).toList()).redirectErrorStream(true).start();
                if (probe.waitFor(10, TimeUnit.SECONDS) && probe.exitValue() == 0) {
                    return prefix;
                }
            } catch (IOException notThere) {
                // try the next one
            }
        }
        Path status = Path.of("/proc/self/status");
        boolean ignored = Files.isReadable(status) && Files.readAllLines(status).stream().filter(l -> l.startsWith("SigIgn:"))
                .anyMatch(l -> (Long.parseLong(l.substring(7).trim(), 16) & 0b10) != 0);
        assertFalse(ignored, "SIGINT is ignored in this process (started in the background by a non-interactive shell) and neither "
                + "'env --default-signal' (coreutils 8.31+) nor perl is here to give a child its default back: install one, or run "
                + "the tests in the foreground");
        return List.of();
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }
}
