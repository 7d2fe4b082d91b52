package dev.peftbench.engine.arch;

import dev.peftbench.engine.adapter.LoraAdapter;
import dev.peftbench.engine.tensor.KvCache;
import dev.peftbench.engine.tensor.Tensor;

import java.util.Arrays;

/**
 * One sequence's share of a batched forward: its new positions, written into its own KV cache after the
 * positions already there. A sequence's input is its prompt-tuning virtual tokens (rows of {@code prefix})
 * followed by its token ids; a prefill may feed it in chunks, so a row may carry some virtual tokens, some
 * ids, or both. Rows never see each other, so a batch computes what each sequence would alone (no padding).
 *
 * @param prefix      the prompt-tuning table {@code [numVirtual, hidden]}, or null
 * @param prefixRows  the rows of {@code prefix} this step feeds, in order, before {@code tokenIds}; empty without one
 * @param lora        the LoRA adapter applied to this row's projections, or null
 * @param wantsLogits whether the forward returns logits for this row's last position (false for a prefill
 *                    chunk that does not end the prompt: nothing is sampled from it)
 */
public record ForwardRow(KvCache cache, int[] tokenIds, Tensor prefix, int[] prefixRows, LoraAdapter lora,
                         boolean wantsLogits) {

    private static final int[] NONE = new int[0];

    public ForwardRow {
        prefixRows = prefixRows == null ? NONE : prefixRows;
        if (prefix == null && prefixRows.length > 0) {
            throw new IllegalArgumentException("prefix rows without a prefix table");
        }
        for (int r : prefixRows) {
            if (r < 0 || r >= prefix.rows()) {
                throw new IllegalArgumentException("prefix row " + r + " outside the table's " + prefix.rows() + " rows");
            }
        }
        if (tokenIds.length + prefixRows.length == 0) {
            throw new IllegalArgumentException("a forward row needs at least one position");
        }
    }

    /** The whole prefix (if any), then {@code tokenIds}, with logits: a prompt fed in one step, or a decode step. */
    public ForwardRow(KvCache cache, int[] tokenIds, Tensor prefix, LoraAdapter lora) {
        this(cache, tokenIds, prefix, prefix == null ? NONE : range(0, prefix.rows()), lora, true);
    }

    /**
     * Positions {@code [from, to)} of a sequence's input, the rows of {@code prefix} (if any) then {@code promptIds}: one
     * chunk of its prefill, with logits only when it ends the input.
     */
    public static ForwardRow prefillChunk(KvCache cache, int[] promptIds, Tensor prefix, LoraAdapter lora, int from, int to) {
        int virtual = prefix == null ? 0 : prefix.rows();
        int[] prefixRows = from < virtual ? range(from, Math.min(to, virtual)) : null;
        int[] ids = to <= virtual ? NONE : Arrays.copyOfRange(promptIds, Math.max(from, virtual) - virtual, to - virtual);
        return new ForwardRow(cache, ids, prefix, prefixRows, lora, to == virtual + promptIds.length);
    }

    /** Positions this row adds to its cache. */
    public int newPositions() {
        return tokenIds.length + prefixRows.length;
    }

    /** What each new position is ({@link KvCache#advance(int[])}): its virtual token, then its token id. */
    public int[] positionKeys() {
        if (prefixRows.length == 0) {
            return tokenIds;
        }
        int[] keys = new int[newPositions()];
        for (int i = 0; i < prefixRows.length; i++) {
            keys[i] = KvCache.virtualTokenKey(prefixRows[i]);
        }
        System.arraycopy(tokenIds, 0, keys, prefixRows.length, tokenIds.length);
        return keys;
    }

    /** {@code [from, to)} as indexes. */
    private static int[] range(int from, int to) {
        int[] rows = new int[to - from];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = from + i;
        }
        return rows;
    }
}
