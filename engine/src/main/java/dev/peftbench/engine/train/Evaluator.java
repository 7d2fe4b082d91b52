package dev.peftbench.engine.train;

import dev.peftbench.engine.arch.CausalLm;
import dev.peftbench.engine.arch.ForwardRow;
import dev.peftbench.engine.arch.Logits;
import dev.peftbench.engine.eval.ClassificationMetrics;
import dev.peftbench.engine.eval.EvalMode;
import dev.peftbench.engine.eval.EvalReport;
import dev.peftbench.engine.eval.LabelSet;
import dev.peftbench.engine.eval.RowOutcome;
import dev.peftbench.engine.generate.Sampler;
import dev.peftbench.engine.score.LabelScorer;
import dev.peftbench.engine.score.RowScore;
import dev.peftbench.engine.tensor.Autograd;
import dev.peftbench.engine.tensor.KvCache;
import dev.peftbench.engine.tokenize.Tokenizer;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * Scores held-out rows with the trained adapter: their loss as in training (no dropout), greedy answers generated from
 * their prompts compared with their labels, and every label's score (issue 26's label log-likelihoods, computed by the
 * engine's {@link LabelScorer} as {@code eval} computes them) with the metrics {@code eval} reports
 * ({@link ClassificationMetrics}). Rows run in batches, each with its own cache.
 */
final class Evaluator {

    private final CausalLm model;
    private final Autograd autograd;
    private final Tokenizer tokenizer;
    private final Set<Integer> stopIds = new HashSet<>();

    Evaluator(CausalLm model, Autograd autograd, Tokenizer tokenizer, int endId) {
        this.model = model;
        this.autograd = autograd;
        this.tokenizer = tokenizer;
        stopIds.add(endId);
        stopIds.addAll(model.info().eosTokenIds());
    }

    /**
     * Null when {@code cancelled} turned true on the way.
     *
     * @param examples  every row of the data by its row number (their labels, texts)
     * @param labelSet  the candidate labels (the data's, sorted), each with its {@code targets} (label ids, end id)
     * @param adapterDir where the adapter was written, as the scores' report names it
     */
    Evaluation evaluate(TrainableAdapter adapter, List<EncodedExample> rows, Map<Integer, Example> examples, LabelSet labelSet,
                        List<int[]> targets, int endId, String adapterDir, int batchSize, BooleanSupplier cancelled) {
        long began = System.nanoTime();
        BoundAdapter frozen = new BoundAdapter(adapter, autograd, false);
        LabelScorer scorer = new LabelScorer(model, frozen.rows().prefix(), frozen.rows().lora(), 0, targets);
        List<RowOutcome> outcomes = new ArrayList<>();
        int maxNew = rows.stream().mapToInt(EncodedExample::targetLength).max().orElse(1) + 1;
        double lossSum = 0;
        int tokens = 0;
        List<Evaluation.Prediction> predictions = new ArrayList<>();
        for (int start = 0; start < rows.size(); start += batchSize) {
            if (cancelled.getAsBoolean()) {
                return null;
            }
            List<EncodedExample> chunk = rows.subList(start, Math.min(rows.size(), start + batchSize));
            try (LossBatch batch = new LossBatch(model, frozen.rows(), adapter.virtualTokens(), chunk)) {
                lossSum += model.ops().toFloats(batch.lossSum(model, autograd))[0];
                tokens += batch.targetTokens();
            } finally {
                model.ops().endStep();
            }
            List<int[]> answers = generate(frozen.rows(), adapter.virtualTokens(), chunk, maxNew);
            for (int i = 0; i < chunk.size(); i++) {
                int row = chunk.get(i).row();
                predictions.add(new Evaluation.Prediction(row, examples.get(row).label(), tokenizer.decode(answers.get(i), true)));
            }
            for (int from = 0; from < chunk.size(); from += LabelScorer.MAX_LOGITS_POSITIONS) {
                List<EncodedExample> part = chunk.subList(from, Math.min(chunk.size(), from + LabelScorer.MAX_LOGITS_POSITIONS));
                double[][] scores = scorer.score(part.stream().map(EncodedExample::promptIds).toList());
                for (int i = 0; i < part.size(); i++) {
                    Example example = examples.get(part.get(i).row());
                    RowScore score = new RowScore(example.row() - 1, part.get(i).promptLength(), scores[i], null);
                    outcomes.add(new RowOutcome(score.row(), example.text(), example.label(),
                            labelSet.labels().get(score.best()), score.logProbabilities(), score.probabilities(), null));
                }
            }
        }
        int matches = (int) predictions.stream().filter(Evaluation.Prediction::matches).count();
        EvalReport scores = new EvalReport(adapterDir, EvalMode.SCORE, labelSet, endId, outcomes, rows.size(),
                ClassificationMetrics.of(labelSet, EvalMode.SCORE, outcomes), false, (System.nanoTime() - began) / 1e9);
        return new Evaluation(rows.size(), matches, lossSum / tokens, predictions, scores);
    }

    /** Greedy answers (stop id excluded) of at most {@code maxNew} ids for each prompt, decoded together step by step. */
    private List<int[]> generate(TrainableAdapter.RowMaker maker, int virtualTokens, List<EncodedExample> chunk, int maxNew) {
        List<KvCache> caches = new ArrayList<>();
        List<List<Integer>> answers = new ArrayList<>();
        try {
            List<ForwardRow> rows = new ArrayList<>();
            List<Integer> active = new ArrayList<>();
            for (int i = 0; i < chunk.size(); i++) {
                KvCache cache = model.newCache(virtualTokens + chunk.get(i).promptLength() + maxNew);
                caches.add(cache);
                answers.add(new ArrayList<>());
                rows.add(maker.row(cache, chunk.get(i).promptIds()));
                active.add(i);
            }
            while (!active.isEmpty()) {
                Logits logits = model.forward(rows);
                rows = new ArrayList<>();
                List<Integer> still = new ArrayList<>();
                for (int k = 0; k < active.size(); k++) {
                    int i = active.get(k);
                    int next = Sampler.argmax(logits.values(), logits.offset(k), logits.vocab());
                    if (stopIds.contains(next)) {
                        continue;
                    }
                    answers.get(i).add(next);
                    if (answers.get(i).size() < maxNew) {
                        rows.add(maker.row(caches.get(i), new int[] {next}));
                        still.add(i);
                    }
                }
                active = still;
            }
        } finally {
            caches.forEach(KvCache::close);
        }
        return answers.stream().map(a -> a.stream().mapToInt(Integer::intValue).toArray()).toList();
    }
}
