package dev.peftbench.engine.train;

import dev.peftbench.engine.arch.CausalLm;
import dev.peftbench.engine.arch.ForwardRow;
import dev.peftbench.engine.tensor.Autograd;
import dev.peftbench.engine.tensor.KvCache;
import dev.peftbench.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/**
 * Examples as one forward, and transformers' causal-LM loss over them ({@code ForCausalLMLoss}): the
 * logits at position t score the id at t+1, only target ids count (prompt, virtual tokens and padding are
 * {@code -100}). Each example is its own row with its own cache, so no padding is needed: the rows compute
 * what a padded batch computes for its real positions. Closing frees the rows' caches.
 */
final class LossBatch implements AutoCloseable {

    private final List<ForwardRow> rows = new ArrayList<>();
    private final List<KvCache> caches = new ArrayList<>();
    private final int[] positions;
    private final int[] targets;
    private final int fed;

    LossBatch(CausalLm model, TrainableAdapter.RowMaker maker, int virtualTokens, List<EncodedExample> examples) {
        List<Integer> at = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        int offset = 0;
        for (EncodedExample e : examples) {
            KvCache cache = model.newCache(virtualTokens + e.length());
            caches.add(cache);
            rows.add(maker.row(cache, e.inputIds()));
            int[] target = e.targetIds();
            // The first target id is scored by the logits of the prompt's last position.
            int first = offset + virtualTokens + e.promptLength() - 1;
            for (int j = 0; j < target.length; j++) {
                at.add(first + j);
                ids.add(target[j]);
            }
            offset += virtualTokens + e.length();
        }
        this.positions = at.stream().mapToInt(Integer::intValue).toArray();
        this.targets = ids.stream().mapToInt(Integer::intValue).toArray();
        this.fed = offset;
    }

    /** Target tokens: what the loss is averaged over. */
    int targetTokens() {
        return targets.length;
    }

    /** Positions fed, virtual tokens included. */
    int positions() {
        return fed;
    }

    /** The forward, and the sum of the target tokens' cross-entropies as a {@code [1, 1]} tensor; the step stays open. */
    Tensor lossSum(CausalLm model, Autograd autograd) {
        Tensor logits = model.logits(rows, positions);
        return autograd.crossEntropySum(logits, targets);
    }

    @Override
    public void close() {
        caches.forEach(KvCache::close);
    }
}
