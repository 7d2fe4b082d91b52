package dev.peftbench.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.engine.adapter.Adapter;
import dev.peftbench.engine.adapter.AdapterLoader;
import dev.peftbench.engine.adapter.LoraAdapter;
import dev.peftbench.engine.adapter.PromptTuningAdapter;
import dev.peftbench.engine.arch.Architectures;
import dev.peftbench.engine.arch.CausalLm;
import dev.peftbench.engine.arch.ForwardRow;
import dev.peftbench.engine.arch.Logits;
import dev.peftbench.engine.load.WeightSource;
import dev.peftbench.engine.tensor.KvCache;
import dev.peftbench.engine.tensor.Tensor;
import dev.peftbench.engine.tensor.TensorOps;
import dev.peftbench.engine.tensor.cpu.CpuTensorOps;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs a golden case through a model at the forward-pass level: every row's prompt in one batch (rows of
 * different lengths, rows retiring early), then the golden ids teacher-forced, each step's logits and
 * greedy pick compared with the reference.
 */
public final class GoldenRunner {

    /** The fixtures READMEs: float32 compute lands within a few 1e-6 of the float64 goldens; 1e-4 is the stated bar. */
    public static final double FLOAT32_TOLERANCE = 1e-4;
    /** The fixtures READMEs, reduced-precision compute: relative L2 <= 3e-2 and the first generated id identical. */
    public static final double REDUCED_TOLERANCE = 3e-2;

    private GoldenRunner() {
    }

    public static CausalLm load(Path dir, ComputeType type) {
        return load(dir, new CpuTensorOps(type, 2));
    }

    /** The model in {@code dir} on {@code ops}, through the same plan the engine uses. */
    public static CausalLm load(Path dir, TensorOps ops) {
        try (WeightSource weights = WeightSource.open(dir)) {
            var config = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
            return Architectures.plan(config, dir).load(dir, weights, ops, LoadProgress.NONE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The golden's adapter (or the one in {@code folder}) attached to {@code model}; null without one. */
    public static Adapter adapter(Path folder, CausalLm model) {
        return folder == null ? null : AdapterLoader.load(folder, model);
    }

    /**
     * Below this gap between the reference's two best first-step logits, reduced precision cannot decide
     * which is first (qwen3-batch-eos row 0 has 0.0098, beneath float16's and bfloat16's error in those
     * logits); every other golden row's gap is 0.07 or more.
     */
    static final double DECIDABLE_MARGIN = 0.05;

    /** The first step of every row within the reduced-precision bar, with the same first id where the reference's margin allows. */
    public static void firstStepWithinReducedTolerance(Golden g, CausalLm model, Adapter adapter) {
        firstStepWithin(REDUCED_TOLERANCE, g, model, adapter);
    }

    /** The first step of every row within {@code tolerance}, with the same first id where the reference's margin allows. */
    public static void firstStepWithin(double tolerance, Golden g, CausalLm model, Adapter adapter) {
        firstStep(tolerance, true, g, model, adapter);
    }

    /** The first step's logits of every row within {@code tolerance}; ids not compared. */
    public static void firstStepLogitsWithin(double tolerance, Golden g, CausalLm model, Adapter adapter) {
        firstStep(tolerance, false, g, model, adapter);
    }

    private static void firstStep(double tolerance, boolean sameIds, Golden g, CausalLm model, Adapter adapter) {
        Tensor prefix = adapter instanceof PromptTuningAdapter p ? p.virtualTokens() : null;
        LoraAdapter lora = adapter instanceof LoraAdapter l ? l : null;
        List<ForwardRow> rows = new ArrayList<>();
        for (Golden.Row row : g.rows()) {
            rows.add(new ForwardRow(model.newCache(64 + row.promptTokenIds().size()), row.promptIds(), prefix, lora));
        }
        List<float[]> logits = rows(model.forward(rows));
        for (int r = 0; r < g.rows().size(); r++) {
            Golden.Row row = g.rows().get(r);
            double err = Golden.relativeL2(logits.get(r), 0, row.stepLogits().getFirst());
            assertTrue(err <= tolerance, g.name() + " row " + r + ": relative L2 " + err);
            if (sameIds && topTwoGap(row.stepLogits().getFirst()) >= DECIDABLE_MARGIN) {
                assertEquals(row.generatedTokenIds().getFirst(), Golden.argmax(logits.get(r), 0, model.vocabSize()),
                        g.name() + " row " + r + " first id");
            }
        }
    }

    /**
     * Feeds every row's prompt (all rows in one batch), then the golden ids, comparing each step's logits and
     * pick. With {@code allIds} every greedy pick must match (the count of mismatches is returned, 0), else
     * only the first.
     */
    public static int runTeacherForced(Golden g, CausalLm model, Adapter adapter, double tolerance, boolean allIds) {
        Tensor prefix = adapter instanceof PromptTuningAdapter p ? p.virtualTokens() : null;
        LoraAdapter lora = adapter instanceof LoraAdapter l ? l : null;
        int virtual = prefix == null ? 0 : prefix.rows();
        int vocab = model.vocabSize();
        List<KvCache> caches = new ArrayList<>();
        List<ForwardRow> rows = new ArrayList<>();
        for (Golden.Row row : g.rows()) {
            KvCache cache = model.newCache(virtual + row.promptTokenIds().size() + g.maxNewTokens());
            caches.add(cache);
            rows.add(new ForwardRow(cache, row.promptIds(), prefix, lora));
        }
        boolean withPromptLogits = g.rows().getFirst().promptLogits() != null;
        List<float[]> logits = withPromptLogits ? allPositionLogits(model, rows) : rows(model.forward(rows));
        int mismatches = 0;
        for (int step = 0; ; step++) {
            List<ForwardRow> next = new ArrayList<>();
            for (int r = 0; r < g.rows().size(); r++) {
                Golden.Row row = g.rows().get(r);
                if (step >= row.generatedTokenIds().size()) {
                    continue;
                }
                float[] out = pick(logits, r, step, g);
                int offset = out.length - vocab;
                if (step == 0 && row.promptLogits() != null) {
                    for (int pos = 0; pos < row.promptLogits().size(); pos++) {
                        double err = Golden.relativeL2(out, (virtual + pos) * vocab, row.promptLogits().get(pos));
                        assertTrue(err <= tolerance, g.name() + " row " + r + " prompt position " + pos + ": relative L2 " + err);
                    }
                }
                double err = Golden.relativeL2(out, offset, row.stepLogits().get(step));
                assertTrue(err <= tolerance, g.name() + " row " + r + " step " + step + ": relative L2 " + err + " > " + tolerance);
                int expected = row.generatedTokenIds().get(step);
                int actual = Golden.argmax(out, offset, vocab);
                if (step == 0 || allIds) {
                    assertEquals(expected, actual, g.name() + " row " + r + " step " + step + " greedy id");
                } else if (actual != expected) {
                    mismatches++;
                }
                if (step + 1 < row.generatedTokenIds().size()) {
                    next.add(new ForwardRow(caches.get(r), new int[] {expected}, null, lora));
                }
            }
            if (next.isEmpty()) {
                return allIds ? mismatches : 0;
            }
            logits = rows(model.forward(next));
        }
    }

    /**
     * Each row's logits at each step, the prompt's end first: every row's virtual tokens and prompt fed {@code chunk}
     * positions per forward (all unfinished rows in each forward, a row's logits asked for only with its last
     * chunk), then the golden ids teacher-forced.
     */
    public static List<List<float[]>> teacherForcedLogits(Golden g, CausalLm model, Adapter adapter, int chunk) {
        Tensor prefix = adapter instanceof PromptTuningAdapter p ? p.virtualTokens() : null;
        LoraAdapter lora = adapter instanceof LoraAdapter l ? l : null;
        int virtual = prefix == null ? 0 : prefix.rows();
        int n = g.rows().size();
        List<KvCache> caches = new ArrayList<>();
        List<List<float[]>> out = new ArrayList<>();
        int[] fed = new int[n];
        for (Golden.Row row : g.rows()) {
            caches.add(model.newCache(virtual + row.promptTokenIds().size() + g.maxNewTokens()));
            out.add(new ArrayList<>());
        }
        for (boolean pending = true; pending; ) {
            List<ForwardRow> rows = new ArrayList<>();
            List<Integer> ending = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                int[] ids = g.rows().get(r).promptIds();
                int total = virtual + ids.length;
                if (fed[r] == total) {
                    continue;
                }
                int from = fed[r];
                int to = (int) Math.min(total, (long) from + chunk);
                rows.add(ForwardRow.prefillChunk(caches.get(r), ids, prefix, lora, from, to));
                if (to == total) {
                    ending.add(r);
                }
                fed[r] = to;
            }
            pending = !rows.isEmpty();
            if (pending) {
                List<float[]> logits = rows(model.forward(rows));
                for (int i = 0; i < ending.size(); i++) {
                    out.get(ending.get(i)).add(logits.get(i));
                }
            }
        }
        for (int step = 1; ; step++) {
            List<ForwardRow> rows = new ArrayList<>();
            List<Integer> running = new ArrayList<>();
            for (int r = 0; r < n; r++) {
                List<Integer> golden = g.rows().get(r).generatedTokenIds();
                if (step < golden.size()) {
                    rows.add(new ForwardRow(caches.get(r), new int[] {golden.get(step - 1)}, null, lora));
                    running.add(r);
                }
            }
            if (rows.isEmpty()) {
                caches.forEach(KvCache::close);
                return out;
            }
            List<float[]> logits = rows(model.forward(rows));
            for (int i = 0; i < running.size(); i++) {
                out.get(running.get(i)).add(logits.get(i));
            }
        }
    }

    /** Copies of every row of a forward's logits, kept past the next forward (which overwrites the model's buffer). */
    public static List<float[]> rows(Logits logits) {
        List<float[]> out = new ArrayList<>(logits.rows());
        for (int r = 0; r < logits.rows(); r++) {
            out.add(Arrays.copyOfRange(logits.values(), logits.offset(r), logits.offset(r) + logits.vocab()));
        }
        return out;
    }

    /** {@code |actual - expected| / |expected|} over whole vectors. */
    public static double relativeL2(float[] actual, float[] expected) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < expected.length; i++) {
            double d = actual[i] - expected[i];
            diff += d * d;
            norm += (double) expected[i] * expected[i];
        }
        return Math.sqrt(diff / norm);
    }

    private static double topTwoGap(List<Float> logits) {
        double best = Double.NEGATIVE_INFINITY;
        double second = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            if (v > best) {
                second = best;
                best = v;
            } else if (v > second) {
                second = v;
            }
        }
        return best - second;
    }

    /** The logits of golden row {@code r} at this step: rows still running keep their order in the batch. */
    /** The logits of every new position of each row ({@code [positions · vocab]} per row), in fresh arrays. */
    public static List<float[]> allPositionLogits(CausalLm model, List<ForwardRow> rows) {
        Tensor logits = model.logits(rows, null);
        float[] values = model.ops().toFloats(logits);
        List<float[]> out = new ArrayList<>(rows.size());
        int offset = 0;
        for (ForwardRow row : rows) {
            float[] part = new float[row.newPositions() * model.vocabSize()];
            System.arraycopy(values, offset, part, 0, part.length);
            offset += part.length;
            out.add(part);
        }
        model.ops().recycle(logits);
        model.ops().endStep();
        return out;
    }

    private static float[] pick(List<float[]> logits, int r, int step, Golden g) {
        int index = 0;
        for (int i = 0; i < r; i++) {
            if (step < g.rows().get(i).generatedTokenIds().size()) {
                index++;
            }
        }
        return logits.get(index);
    }
}
