package dev.peftbench.engine.tensor;

/**
 * One sequence's attention keys and values for every layer, sized for the sequence's whole length
 * (virtual tokens + prompt + max new tokens), so a decode step appends in place and never copies the
 * cache. Owned by the scheduler thread.
 */
public interface KvCache extends AutoCloseable {
    /** Positions already committed (visible to attention). */
    int length();

    /** Positions this cache can hold. */
    int capacity();

    /** Commits {@code count} positions written by the last forward. */
    void advance(int count);

    /** Frees the cache's memory (native memory for off-heap backends); the sequence is over. */
    @Override
    default void close() {
    }
}
