package dev.peftbench.engine;

/**
 * What the prefix cache did since its model was loaded (counts) and holds now. A sequence looks up the full blocks of
 * its prompt that leave its last position to compute; each found block is reused instead of prefilled.
 *
 * @param hitBlocks       prompt blocks found in the cache
 * @param missedBlocks    prompt blocks looked up and not found (prefilled, then cached)
 * @param hitPositions    prompt positions reused: {@code hitBlocks} times the block size
 * @param missedPositions prompt positions prefilled by sequences that looked up the cache (the rest of each prompt)
 * @param evictedBlocks   unused cached blocks dropped, least recently used first, to stay under the memory cap
 * @param cachedBlocks    blocks findable now, in use or not
 * @param idleBytes       memory of the cached blocks no sequence uses: what the cap bounds
 */
public record PrefixCacheStats(long hitBlocks, long missedBlocks, long hitPositions, long missedPositions,
                               long evictedBlocks, long cachedBlocks, long idleBytes) {

    /** A backend or engine with no prefix cache. */
    public static final PrefixCacheStats NONE = new PrefixCacheStats(0, 0, 0, 0, 0, 0, 0);

    /** The counts alone, nothing held: what a closed model's cache leaves to the totals. */
    public PrefixCacheStats counts() {
        return new PrefixCacheStats(hitBlocks, missedBlocks, hitPositions, missedPositions, evictedBlocks, 0, 0);
    }

    public PrefixCacheStats plus(PrefixCacheStats o) {
        return new PrefixCacheStats(hitBlocks + o.hitBlocks, missedBlocks + o.missedBlocks, hitPositions + o.hitPositions,
                missedPositions + o.missedPositions, evictedBlocks + o.evictedBlocks, cachedBlocks + o.cachedBlocks,
                idleBytes + o.idleBytes);
    }
}
