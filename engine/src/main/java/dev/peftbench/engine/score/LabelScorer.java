package dev.peftbench.engine.score;

import dev.peftbench.engine.adapter.LoraAdapter;
import dev.peftbench.engine.arch.CausalLm;
import dev.peftbench.engine.arch.ForwardRow;
import dev.peftbench.engine.tensor.KvCache;
import dev.peftbench.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Teacher-forced label scores for a batch of contexts. One forward prefills every context (after whatever the prefix
 * cache holds of it) and scores each label's first target id from the context's last position; then each label's
 * other target ids are fed, batched, in a {@linkplain KvCache#fork fork} of the context's cache (full blocks shared,
 * the partial last one copied), each position scoring the next id. So a row forwards its context once and, per label,
 * its target length minus one: the last target id is scored, never fed. Runs on the thread that owns the model: the
 * scheduler's, or the trainer's for tune's held-out rows (the adapter being trained, frozen).
 */
public final class LabelScorer {

    /**
     * Logits positions per forward at most: {@code [positions, vocab]} float32 is 1 MB a position for bloomz's vocabulary.
     * So also the contexts one {@link #score} call takes at most.
     */
    public static final int MAX_LOGITS_POSITIONS = 64;

    private final CausalLm model;
    private final Tensor prefix;
    private final LoraAdapter lora;
    private final long scope;
    private final List<int[]> targets;

    /**
     * @param prefix  prompt-tuning virtual tokens in front of every context, or null
     * @param scope   the adapter's identity in the prefix cache
     * @param targets each label's target ids (its tokens, then the end id)
     */
    public LabelScorer(CausalLm model, Tensor prefix, LoraAdapter lora, long scope, List<int[]> targets) {
        this.model = model;
        this.prefix = prefix;
        this.lora = lora;
        this.scope = scope;
        this.targets = List.copyOf(targets);
    }

    private int virtualTokens() {
        return prefix == null ? 0 : prefix.rows();
    }

    /** {@code [context][label]}: log P(label's target | virtual tokens + context). */
    public double[][] score(List<int[]> contexts) {
        int labels = targets.size();
        double[][] scores = new double[contexts.size()][labels];
        List<KvCache> caches = new ArrayList<>(contexts.size());
        try {
            List<ForwardRow> rows = new ArrayList<>(contexts.size());
            int[] last = new int[contexts.size()];
            int fed = 0;
            for (int c = 0; c < contexts.size(); c++) {
                int[] context = contexts.get(c);
                int positions = virtualTokens() + context.length;
                KvCache cache = model.newCache(positions);
                caches.add(cache);
                int reused = cache.reusePrefix(scope, KvCache.inputKeys(virtualTokens(), context));
                rows.add(ForwardRow.prefillChunk(cache, context, prefix, lora, reused, positions));
                fed += positions - reused;
                last[c] = fed - 1;
            }
            int[] pairRows = new int[contexts.size() * labels];
            int[] pairTargets = new int[pairRows.length];
            for (int c = 0; c < contexts.size(); c++) {
                for (int k = 0; k < labels; k++) {
                    pairRows[c * labels + k] = c;
                    pairTargets[c * labels + k] = targets.get(k)[0];
                }
            }
            double[] first = logProbabilities(rows, last, pairRows, pairTargets);
            for (int i = 0; i < first.length; i++) {
                scores[i / labels][i % labels] = first[i];
            }
            continuations(caches, scores);
        } finally {
            caches.forEach(KvCache::close);
        }
        return scores;
    }

    /** Every label's target ids after the first, fed after each context, at most {@link #MAX_LOGITS_POSITIONS} a forward. */
    private void continuations(List<KvCache> contexts, double[][] scores) {
        int labels = targets.size();
        List<int[]> batch = new ArrayList<>();
        int positions = 0;
        for (int c = 0; c < contexts.size(); c++) {
            for (int k = 0; k < labels; k++) {
                int fed = targets.get(k).length - 1;
                if (fed == 0) {
                    continue;
                }
                if (!batch.isEmpty() && positions + fed > MAX_LOGITS_POSITIONS) {
                    feed(contexts, batch, positions, scores);
                    batch.clear();
                    positions = 0;
                }
                batch.add(new int[] {c, k});
                positions += fed;
            }
        }
        if (!batch.isEmpty()) {
            feed(contexts, batch, positions, scores);
        }
    }

    /** One forward of {@code batch}'s (context, label) continuations, {@code positions} in all, each in a fork. */
    private void feed(List<KvCache> contexts, List<int[]> batch, int positions, double[][] scores) {
        List<KvCache> forks = new ArrayList<>(batch.size());
        try {
            List<ForwardRow> rows = new ArrayList<>(batch.size());
            int[] all = new int[positions];
            int[] pairTargets = new int[positions];
            int at = 0;
            for (int[] pair : batch) {
                KvCache context = contexts.get(pair[0]);
                int[] target = targets.get(pair[1]);
                KvCache fork = context.fork(context.length() + target.length - 1);
                forks.add(fork);
                rows.add(new ForwardRow(fork, Arrays.copyOf(target, target.length - 1), null, lora));
                for (int j = 1; j < target.length; j++, at++) {
                    all[at] = at;
                    pairTargets[at] = target[j];
                }
            }
            double[] next = logProbabilities(rows, null, all, pairTargets);
            at = 0;
            for (int[] pair : batch) {
                for (int j = 1; j < targets.get(pair[1]).length; j++) {
                    scores[pair[0]][pair[1]] += next[at++];
                }
            }
        } finally {
            forks.forEach(KvCache::close);
        }
    }

    /**
     * One forward of {@code rows}, the logits at {@code positions} (null: every new position), their log-softmax at
     * each (logits row, target) pair.
     */
    private double[] logProbabilities(List<ForwardRow> rows, int[] positions, int[] pairRows, int[] pairTargets) {
        Tensor logits = null;
        try {
            logits = model.logits(rows, positions);
            return model.ops().targetLogProbabilities(logits, pairRows, pairTargets);
        } finally {
            if (logits != null) {
                model.ops().recycle(logits);
            }
            model.ops().endStep();
        }
    }
}
