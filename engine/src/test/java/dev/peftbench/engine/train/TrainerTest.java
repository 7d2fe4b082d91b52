package dev.peftbench.engine.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.engine.Device;
import dev.peftbench.engine.Engine;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.EngineOptions;
import dev.peftbench.engine.GenerationRequest;
import dev.peftbench.engine.GenerationResult;
import dev.peftbench.engine.Golden;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.engine.TokenListener;
import dev.peftbench.engine.generate.PromptTemplate;
import dev.peftbench.engine.generate.SamplingParams;
import dev.peftbench.engine.hub.HubSettings;
import dev.peftbench.engine.load.WeightSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Tuning runs end to end on the tiny fixtures of every family: the loss falls, the adapter the engine then
 * loads changes what it generates, a cancelled run keeps its steps, a seed repeats a run, accumulated
 * batches equal one big batch, and bad input is refused before the weights are read.
 */
class TrainerTest {

    /** Short tweets and their labels, as peft's twitter-complaints example has them. */
    static final List<String[]> ROWS = List.of(
            new String[] {"@railco third cancelled train this week", "complaint"},
            new String[] {"lovely sunny morning at the beach", "no complaint"},
            new String[] {"@shipfast my parcel never arrived", "complaint"},
            new String[] {"thanks for the quick delivery", "no complaint"},
            new String[] {"@bankly your app keeps logging me out", "complaint"},
            new String[] {"can't wait for the weekend", "no complaint"},
            new String[] {"@gridpower no power since 6am again", "complaint"},
            new String[] {"great pizza tonight with friends", "no complaint"});

    @TempDir
    Path tmp;

    static Path csv(Path dir, List<String[]> rows) throws IOException {
        StringBuilder s = new StringBuilder("Tweet text,text_label\n");
        for (String[] r : rows) {
            s.append('"').append(r[0]).append("\",").append(r[1]).append('\n');
        }
        Path file = dir.resolve("rows-" + rows.size() + ".csv");
        Files.writeString(file, s);
        return file;
    }

    private TuningJob job(String model, MethodSettings method, OptimizationSettings optimization, Path out) throws IOException {
        return new TuningJob(Golden.folder(model).toString(), null, Device.CPU, TuningData.of(csv(tmp, ROWS), "Tweet text", "text_label"),
                method, optimization, out);
    }

    private static OptimizationSettings steps(int epochs, double lr) {
        return new OptimizationSettings(epochs, 4, lr, Optimizer.Kind.ADAMW, null, 0, 0, 1, 7, true);
    }

    private static TuningResult run(TuningJob job) {
        return new Trainer(HubSettings.fromEnvironment()).run(job, TuningListener.NONE, () -> false);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"tiny-bloom, lora", "tiny-bloom, prompt-tuning", "tiny-llama, lora", "tiny-llama, prompt-tuning",
            "tiny-mistral, lora", "tiny-mistral, prompt-tuning", "tiny-qwen2, lora", "tiny-qwen2, prompt-tuning",
            "tiny-qwen3, lora", "tiny-qwen3, prompt-tuning"})
    void trainingLowersTheLossOnEveryFamily(String model, String method) throws IOException {
        boolean lora = method.equals("lora");
        MethodSettings settings = lora ? MethodSettings.lora(null, null, 0.0, List.of("all-linear"), null)
                : MethodSettings.promptTuning(16, null);
        TuningResult result = run(job(model, settings, steps(8, lora ? 1e-2 : 0.3), tmp.resolve(model + "-" + method)));
        List<Double> losses = result.losses();
        assertEquals(16, losses.size());
        double last = losses.subList(losses.size() - 4, losses.size()).stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        assertTrue(last < 0.75 * losses.getFirst(), model + " " + method + " losses " + losses);
    }

    /** peft's TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING (peft/utils/constants.py), by config.json's model_type. */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {"tiny-bloom | query_key_value", "tiny-llama | q_proj,v_proj", "tiny-mistral | q_proj,v_proj",
            "tiny-qwen2 | q_proj,v_proj", "tiny-qwen3 | q_proj,v_proj"})
    void aLoraRunNamingNoTargetModulesAdaptsWhatPeftAdaptsForTheModelType(String model, String expected) throws IOException {
        Path out = tmp.resolve(model + "-defaults");
        run(job(model, MethodSettings.lora(null, null, 0.0, null, null),
                new OptimizationSettings(1, 4, 1e-2, Optimizer.Kind.ADAMW, null, 0, 1, 1, 7, true), out));
        var config = new ObjectMapper().readTree(out.resolve(PeftAdapterFiles.CONFIG).toFile());
        List<String> modules = new ArrayList<>();
        config.get("target_modules").forEach(m -> modules.add(m.asText()));
        assertEquals(List.of(expected.split(",")), modules.stream().sorted().toList());
    }

    @Test
    void aLlamaLoraAdapterTrainedHereLoadsInTheEngineAndChangesWhatItGenerates() throws IOException {
        Path out = tmp.resolve("llama-lora");
        TuningResult result = run(job("tiny-llama", MethodSettings.lora(null, null, 0.0, null, null), steps(10, 2e-2), out));
        assertFalse(result.interrupted());
        try (Engine engine = new Engine(EngineOptions.defaults())) {
            PromptTemplate seed = PromptTemplate.parse("seed", "Tweet text");
            engine.load("tuned", ModelSpec.of(Golden.folder("tiny-llama").toString(), out.toString(), seed), null);
            SamplingParams params = SamplingParams.DEFAULT.withMaxNewTokens(6);
            GenerationResult tuned = engine.generate(new GenerationRequest("tuned", ROWS.getFirst()[0], null, params, true), TokenListener.NONE);
            GenerationResult base = engine.generate(new GenerationRequest("tuned", ROWS.getFirst()[0], null, params, false), TokenListener.NONE);
            assertNotEquals(base.generatedTokenIds(), tuned.generatedTokenIds());
            assertEquals("LORA", engine.find("tuned").orElseThrow().adapter().orElseThrow().peftType());
        }
    }

    @Test
    void cancellingKeepsTheStepsDoneAndWritesALoadableAdapter() throws IOException {
        Path out = tmp.resolve("cancelled");
        AtomicInteger steps = new AtomicInteger();
        TuningListener counting = new TuningListener() {
            @Override
            public void step(StepReport step) {
                steps.set(step.step());
            }
        };
        TuningResult result = new Trainer(HubSettings.fromEnvironment()).run(job("tiny-bloom", MethodSettings.promptTuning(null, null),
                steps(10, 0.03), out), counting, () -> steps.get() >= 3);
        assertTrue(result.interrupted());
        assertEquals(3, result.steps());
        assertTrue(Files.isRegularFile(out.resolve(PeftAdapterFiles.WEIGHTS)));
        assertTrue(Files.readString(out.resolve(TrainingRecord.FILE)).contains("\"interrupted\" : true"));
        try (Engine engine = new Engine(EngineOptions.defaults())) {
            engine.load("cancelled", ModelSpec.of(Golden.folder("tiny-bloom").toString(), out.toString(), null), null);
        }
    }

    @Test
    void theSameSeedRepeatsARunWithShuffleAndDropout() throws IOException {
        MethodSettings lora = MethodSettings.lora(4, 8.0, 0.2, null, null);
        run(job("tiny-bloom", lora, steps(3, 1e-2), tmp.resolve("a")));
        run(job("tiny-bloom", lora, steps(3, 1e-2), tmp.resolve("b")));
        assertArrayEquals(Files.readAllBytes(tmp.resolve("a").resolve(PeftAdapterFiles.WEIGHTS)),
                Files.readAllBytes(tmp.resolve("b").resolve(PeftAdapterFiles.WEIGHTS)));
        run(job("tiny-bloom", lora, new OptimizationSettings(3, 4, 1e-2, Optimizer.Kind.ADAMW, null, 0, 0, 1, 8, true), tmp.resolve("c")));
        assertFalse(java.util.Arrays.equals(Files.readAllBytes(tmp.resolve("a").resolve(PeftAdapterFiles.WEIGHTS)),
                Files.readAllBytes(tmp.resolve("c").resolve(PeftAdapterFiles.WEIGHTS))));
    }

    @Test
    void accumulatingTwoBatchesOfTwoIsOneBatchOfFour() throws IOException {
        MethodSettings method = MethodSettings.lora(4, 8.0, 0.0, null, null);
        run(job("tiny-llama", method, new OptimizationSettings(2, 4, 1e-2, Optimizer.Kind.SGD, null, 0, 0, 1, 1, false), tmp.resolve("big")));
        run(job("tiny-llama", method, new OptimizationSettings(2, 2, 1e-2, Optimizer.Kind.SGD, null, 0, 0, 2, 1, false), tmp.resolve("acc")));
        try (WeightSource big = WeightSource.open(tmp.resolve("big")); WeightSource acc = WeightSource.open(tmp.resolve("acc"))) {
            for (String name : big.names()) {
                float[] a = big.readFloats(name);
                float[] b = acc.readFloats(name);
                for (int i = 0; i < a.length; i++) {
                    assertEquals(a[i], b[i], 1e-5 + 1e-4 * Math.abs(a[i]), name + "[" + i + "]");
                }
            }
        }
    }

    @Test
    void heldOutRowsAreEvaluatedWithTheLossAndTheGeneratedLabels() throws IOException {
        List<String[]> rows = new ArrayList<>(ROWS);
        rows.addAll(ROWS);
        // In file order the held-out half is the second copy of the rows trained on.
        TuningJob job = new TuningJob(Golden.folder("tiny-bloom").toString(), null, Device.CPU,
                new TuningData(csv(tmp, rows), "Tweet text", "text_label", "seed", 0.5, null, false, 3, false),
                MethodSettings.lora(null, null, 0.0, List.of("all-linear"), null),
                new OptimizationSettings(20, 4, 1e-2, Optimizer.Kind.ADAMW, null, 0, 0, 1, 7, false), tmp.resolve("eval"));
        TuningResult result = run(job);
        Evaluation e = result.evaluation();
        assertNotNull(e);
        assertEquals(8, e.rows());
        assertEquals(8, result.plan().trainRows());
        assertEquals(List.of(9, 10, 11, 12, 13, 14, 15, 16), e.predictions().stream().map(Evaluation.Prediction::row).toList());
        assertTrue(Double.isFinite(e.loss()) && e.loss() > 0);
        assertEquals(e.exactMatches(), (int) e.predictions().stream().filter(Evaluation.Prediction::matches).count());
        assertEquals(8, e.exactMatches(), e.predictions() + " losses " + result.losses());
    }

    @Test
    void badInputIsRefusedBeforeTheWeightsAreRead() throws IOException {
        // A snapshot without weights: any error about weights would mean the checks came too late.
        Path noWeights = Files.createDirectories(tmp.resolve("no-weights"));
        for (String f : List.of("config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")) {
            Files.copy(Golden.folder("tiny-bloom").resolve(f), noWeights.resolve(f));
        }
        Path rows = csv(tmp, ROWS);
        record Case(TuningData data, MethodSettings method, String adapter, String expected) {
        }
        Path bad = tmp.resolve("notes.txt");
        Files.writeString(bad, "hello");
        Path empty = tmp.resolve("empty-labels.csv");
        Files.writeString(empty, "Tweet text,text_label\nhello,complaint\nbye,\nagain,  \n");
        List<Case> cases = List.of(
                new Case(TuningData.of(rows, "tweet", "text_label"), null, null, "no column 'tweet'; its columns: 'Tweet text', 'text_label'"),
                new Case(TuningData.of(empty, "Tweet text", "text_label"), null, null, "2 rows have an empty 'text_label' label: rows 2, 3"),
                new Case(TuningData.of(bad, "Tweet text", "text_label"), null, null, "is neither CSV (.csv, with a header row) nor JSON Lines"),
                new Case(new TuningData(rows, "Tweet text", "text_label", "seed", 0, 12, false, null, false), null, null,
                        "8 rows have more than 12 positions"),
                new Case(TuningData.of(rows, "Tweet text", "text_label"), MethodSettings.lora(null, null, null, List.of("q_proj"), null), null,
                        "target module 'q_proj' is not a projection of BloomForCausalLM"),
                new Case(TuningData.of(rows, "Tweet text", "text_label"), MethodSettings.lora(null, null, null, null, null),
                        Golden.folder("tiny-bloom-prompt-tuning").toString(), "adapter is a prompt-tuning adapter but method is lora"),
                new Case(TuningData.of(rows, "Tweet text", "text_label"), new MethodSettings(null, 4, null, null, null, null, null, null),
                        Golden.folder("tiny-bloom-prompt-tuning").toString(), "num_virtual_tokens 4 but the adapter has 8"),
                new Case(new TuningData(rows, "Tweet text", "text_label", "seed", 0, null, false, 600, false), null, null,
                        "eos_token_id 600 is outside the model's 520 ids"));
        for (Case c : cases) {
            TuningJob job = new TuningJob(noWeights.toString(), c.adapter(), Device.CPU, c.data(), c.method(), null, tmp.resolve("never"));
            EngineException e = assertThrows(EngineException.class, () -> run(job), c.expected());
            assertTrue(e.getMessage().contains(c.expected()), e.getMessage());
            assertEquals(EngineException.Kind.INVALID_INPUT, e.kind(), e.getMessage());
        }
        assertFalse(Files.exists(tmp.resolve("never")));
    }

    @Test
    void longRowsCanBeSkippedAndAreCounted() throws IOException {
        List<String[]> rows = new ArrayList<>(ROWS);
        rows.add(new String[] {"a very long tweet ".repeat(30), "complaint"});
        TuningJob job = new TuningJob(Golden.folder("tiny-bloom").toString(), null, Device.CPU,
                new TuningData(csv(tmp, rows), "Tweet text", "text_label", "seed", 0, 60, true, null, false),
                null, steps(1, 0.03), tmp.resolve("skipped"));
        TuningResult result = run(job);
        assertEquals(List.of(9), result.plan().skippedRows());
        assertEquals(8, result.plan().trainRows());
    }
}
