package dev.peftbench.engine.arch;

import dev.peftbench.engine.adapter.LoraAdapter;
import dev.peftbench.engine.tensor.KvCache;
import dev.peftbench.engine.tensor.Tensor;

/**
 * One sequence's share of a batched forward: its new token ids, preceded (at prefill only) by
 * prompt-tuning virtual token embeddings, written into its own KV cache. Rows never see each other,
 * so a batch computes what each sequence would alone (no padding needed).
 *
 * @param prefix the prompt-tuning table {@code [numVirtual, hidden]} whose rows come first, or null
 * @param lora   the LoRA adapter applied to this row's projections, or null
 */
public record ForwardRow(KvCache cache, int[] tokenIds, Tensor prefix, LoraAdapter lora) {
    public ForwardRow {
        int count = tokenIds.length + (prefix == null ? 0 : prefix.rows());
        if (count == 0) {
            throw new IllegalArgumentException("a forward row needs at least one position");
        }
    }

    /** Positions this row adds to its cache. */
    public int newPositions() {
        return tokenIds.length + (prefix == null ? 0 : prefix.rows());
    }
}
