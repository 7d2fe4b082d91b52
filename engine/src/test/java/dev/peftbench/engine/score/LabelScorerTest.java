package dev.peftbench.engine.score;

import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.Device;
import dev.peftbench.engine.Golden;
import dev.peftbench.engine.GoldenRunner;
import dev.peftbench.engine.adapter.Adapter;
import dev.peftbench.engine.adapter.LoraAdapter;
import dev.peftbench.engine.adapter.PromptTuningAdapter;
import dev.peftbench.engine.arch.CausalLm;
import dev.peftbench.engine.arch.ForwardRow;
import dev.peftbench.engine.tensor.KvCache;
import dev.peftbench.engine.tensor.Tensor;
import dev.peftbench.engine.tensor.TensorOps;
import dev.peftbench.engine.tensor.cpu.CpuTensorOps;
import dev.peftbench.engine.tensor.djl.DjlTensorOps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Teacher-forced label scores: against the goldens' float64 logits (BLOOM and Llama, bare, LoRA and prompt tuning, on
 * both backends), against the whole sequence computed in one row, and how many positions each row forwards.
 */
class LabelScorerTest {

    /** Issue 26: float32 scores within 2e-3 of float64 log-likelihoods. */
    static final double TOLERANCE = 2e-3;

    private static TensorOps backend(String name) {
        return name.equals("djl") ? new DjlTensorOps(Device.CPU, ComputeType.FLOAT32) : new CpuTensorOps(ComputeType.FLOAT32, 2);
    }

    private static LabelScorer scorer(CausalLm model, Adapter adapter, List<int[]> targets) {
        Tensor prefix = adapter instanceof PromptTuningAdapter p ? p.virtualTokens() : null;
        return new LabelScorer(model, prefix, adapter instanceof LoraAdapter l ? l : null, 1, targets);
    }

    /** log softmax(logits)[id] in float64. */
    private static double logSoftmax(List<Float> logits, int id) {
        double max = logits.stream().mapToDouble(Float::doubleValue).max().orElseThrow();
        double sum = logits.stream().mapToDouble(v -> Math.exp(v - max)).sum();
        return logits.get(id) - max - Math.log(sum);
    }

    /**
     * Three labels whose targets follow the golden's greedy path (4 and 2 ids) or leave it at once (1 other id): each
     * score is the sum of the golden's log-softmax at every target id, from the context's last position on.
     */
    @ParameterizedTest(name = "{0} on {1}")
    @CsvSource({"seed-base, cpu", "seed-lora, cpu", "seed-prompt-tuning, cpu", "llama-seed-base, cpu",
            "llama-seed-lora, cpu", "llama-seed-prompt-tuning, cpu", "seed-prompt-tuning, djl", "llama-seed-lora, djl"})
    void scoresAreTheGoldensLogLikelihoods(String name, String backend) {
        Golden g = Golden.read(name);
        Golden.Row row = g.rows().getFirst();
        try (CausalLm model = GoldenRunner.load(Golden.folder(g.model()), backend(backend))) {
            Adapter adapter = GoldenRunner.adapter(g.adapter() == null ? null : Golden.folder(g.adapter()), model);
            int[] greedy = row.generatedTokenIds().stream().mapToInt(Integer::intValue).toArray();
            int other = (greedy[0] + 1) % 300;
            List<int[]> targets = List.of(Arrays.copyOf(greedy, 4), new int[] {other}, Arrays.copyOf(greedy, 2));

            double[] scores = scorer(model, adapter, targets).score(List.of(row.promptIds()))[0];

            for (int k = 0; k < targets.size(); k++) {
                double expected = 0;
                for (int j = 0; j < targets.get(k).length; j++) {
                    expected += logSoftmax(row.stepLogits().get(j), targets.get(k)[j]);
                }
                assertEquals(expected, scores[k], TOLERANCE, name + " label " + k);
            }
        }
    }

    /**
     * The context is fed once and each label's target but its last id (scored, never fed): the bound, the
     * context once plus the targets' lengths, less one per label. Contexts of several rows go in one forward, the
     * labels' continuations in another, and a row's scores do not depend on its batch.
     */
    @Test
    void eachRowForwardsItsContextOnceAndEachLabelItsTargetLessOne() {
        try (CountingModel model = new CountingModel(GoldenRunner.load(Golden.FIXTURES.resolve("tiny-bloom"), ComputeType.FLOAT32))) {
            Adapter adapter = GoldenRunner.adapter(Golden.FIXTURES.resolve("tiny-bloom-prompt-tuning"), model);
            List<int[]> targets = List.of(new int[] {2}, new int[] {114, 2}, new int[] {103, 272, 269, 2});
            List<int[]> contexts = List.of(ids(30, 1), ids(7, 2), ids(19, 3));
            LabelScorer scorer = scorer(model, adapter, targets);

            double[][] batched = scorer.score(contexts);

            int virtual = 8;
            int contextPositions = contexts.stream().mapToInt(c -> virtual + c.length).sum();
            int continuations = contexts.size() * (0 + 1 + 3);
            assertEquals(contextPositions + continuations, model.positions);
            assertEquals(2, model.forwards, "the contexts together, then every continuation together");
            for (int c = 0; c < contexts.size(); c++) {
                double[] alone = scorer.score(List.of(contexts.get(c)))[0];
                for (int k = 0; k < targets.size(); k++) {
                    // Float32 rounding differs with the batch's row tiles, ~1e-5 on a log-likelihood of -35.
                    assertEquals(alone[k], batched[c][k], 1e-4, "row " + c + " label " + k + " alone and batched");
                }
            }
        }
    }

    /** Continuations in forks of a context's cache (full blocks shared, the partial one copied) score as one whole row. */
    @ParameterizedTest(name = "{0} + {1} on {2}")
    @CsvSource({"fixtures, tiny-bloom, tiny-bloom-lora, cpu", "fixtures-llama, tiny-llama, tiny-llama-prompt-tuning, cpu",
            "fixtures-llama, tiny-llama, tiny-llama-prompt-tuning, djl"})
    void forkedContinuationsScoreAsTheWholeSequenceInOneRow(String set, String modelName, String adapterName, String backend) {
        java.nio.file.Path root = java.nio.file.Path.of("src/test/resources").resolve(set);
        try (CausalLm model = GoldenRunner.load(root.resolve(modelName), backend(backend))) {
            Adapter adapter = GoldenRunner.adapter(root.resolve(adapterName), model);
            int[] context = ids(37, 5);
            List<int[]> targets = List.of(new int[] {17, 40, 9, 2}, new int[] {60, 2});

            double[] scores = scorer(model, adapter, targets).score(List.of(context))[0];

            for (int k = 0; k < targets.size(); k++) {
                assertEquals(wholeSequence(model, adapter, context, targets.get(k)), scores[k], 1e-4, "label " + k);
            }
        }
    }

    /** log P(target | context) from one forward of context and target together, in float64 from its logits. */
    private static double wholeSequence(CausalLm model, Adapter adapter, int[] context, int[] target) {
        Tensor prefix = adapter instanceof PromptTuningAdapter p ? p.virtualTokens() : null;
        int virtual = prefix == null ? 0 : prefix.rows();
        int[] ids = Arrays.copyOf(context, context.length + target.length);
        System.arraycopy(target, 0, ids, context.length, target.length);
        try (KvCache cache = model.newCache(virtual + ids.length)) {
            float[] logits = GoldenRunner.allPositionLogits(model,
                    List.of(new ForwardRow(cache, ids, prefix, adapter instanceof LoraAdapter l ? l : null))).getFirst();
            int vocab = model.vocabSize();
            double sum = 0;
            for (int j = 0; j < target.length; j++) {
                int position = virtual + context.length - 1 + j;
                List<Float> row = new java.util.ArrayList<>(vocab);
                for (int v = 0; v < vocab; v++) {
                    row.add(logits[position * vocab + v]);
                }
                sum += logSoftmax(row, target[j]);
            }
            return sum;
        }
    }

    private static int[] ids(int n, int seed) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = 4 + (seed * 31 + 7 * i * i + 13 * i) % 300;
        }
        return ids;
    }
}
