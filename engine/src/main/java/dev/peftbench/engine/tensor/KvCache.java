package dev.peftbench.engine.tensor;

/**
 * One sequence's attention keys and values for every layer, up to the sequence's whole length (virtual
 * tokens + prompt + max new tokens), so a decode step appends in place and never copies the cache. Owned by
 * the scheduler thread.
 *
 * <p>Backends that store positions in blocks may share full blocks between sequences (vLLM's automatic prefix
 * caching): a block's keys and values depend only on the positions up to its end, so two sequences whose first
 * positions are the same ids, computed with the same adapter, can read one copy. A position's identity (its
 * <em>key</em>) is its token id, or {@link #virtualTokenKey} for a prompt-tuning virtual token.
 */
public interface KvCache extends AutoCloseable {
    /** Positions already committed (visible to attention). */
    int length();

    /** Positions this cache can hold. */
    int capacity();

    /** Commits {@code count} positions written by the last forward. */
    void advance(int count);

    /**
     * Commits the positions written by the last forward, {@code keys} saying what each one is; a cache that
     * {@linkplain #reusePrefix shares} its blocks offers each block it fills to later sequences.
     */
    default void advance(int[] keys) {
        advance(keys.length);
    }

    /**
     * On an empty cache: takes the longest run of cached full blocks that starts {@code keys} (a sequence's input,
     * virtual tokens first) and leaves at least its last position to compute (whose logits the caller needs), and
     * from then on offers the blocks this cache fills. {@code scope} says what else the keys and values depend on
     * (the adapter: LoRA changes every projection, virtual tokens every later position), as vLLM's block hash takes
     * extra keys. Returns the positions reused, now committed; 0 where the backend shares nothing or its prefix cache
     * is off.
     */
    default int reusePrefix(long scope, int[] keys) {
        return 0;
    }

    /**
     * A new cache of {@code capacity} positions holding this one's: what a sequence forks into several continuations
     * of one prefix (vLLM forks sequences so for parallel sampling). Backends that page the cache share its full
     * blocks and copy the partly filled last one; either way nothing is computed again.
     */
    default KvCache fork(int capacity) {
        throw new UnsupportedOperationException("this cache cannot be forked");
    }

    /** Frees the cache's memory (native memory for off-heap backends); the sequence is over. */
    @Override
    default void close() {
    }

    /** The key of prompt-tuning virtual token {@code index}: negative, so never a token id. */
    static int virtualTokenKey(int index) {
        return -1 - index;
    }

    /** The keys of a sequence's input: {@code virtualTokens} virtual tokens, then {@code ids}. */
    static int[] inputKeys(int virtualTokens, int[] ids) {
        int[] keys = new int[virtualTokens + ids.length];
        for (int i = 0; i < virtualTokens; i++) {
            keys[i] = virtualTokenKey(i);
        }
        System.arraycopy(ids, 0, keys, virtualTokens, ids.length);
        return keys;
    }
}
