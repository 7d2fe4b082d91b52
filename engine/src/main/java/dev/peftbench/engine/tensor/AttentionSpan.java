package dev.peftbench.engine.tensor;

/**
 * The rows {@code [rowStart, rowStart + rowCount)} of a batched activation belong to one sequence whose
 * cache already holds {@code cache.length()} positions; its new rows attend causally to the cache and
 * to each other.
 */
public record AttentionSpan(KvCache cache, int rowStart, int rowCount) {
    public AttentionSpan {
        if (rowCount < 1 || rowStart < 0) {
            throw new IllegalArgumentException("bad span " + rowStart + "+" + rowCount);
        }
        if (cache.length() + rowCount > cache.capacity()) {
            throw new IllegalStateException("KV cache full: " + cache.length() + " + " + rowCount + " > " + cache.capacity());
        }
    }
}
