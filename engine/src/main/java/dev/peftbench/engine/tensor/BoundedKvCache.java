package dev.peftbench.engine.tensor;

/**
 * The bookkeeping every backend's cache shares: at most {@code capacity} positions (the sequence's
 * whole length, known at admission) and the length committed so far. How positions are stored (blocks
 * taken as they are written, or arrays allocated up front) is the backend's.
 */
public abstract class BoundedKvCache implements KvCache {

    private final int capacity;
    private int length;

    protected BoundedKvCache(int capacity) {
        this.capacity = capacity;
    }

    @Override
    public final int length() {
        return length;
    }

    @Override
    public final int capacity() {
        return capacity;
    }

    @Override
    public final void advance(int count) {
        if (length + count > capacity) {
            throw new IllegalStateException("KV cache overflow: " + (length + count) + " > " + capacity);
        }
        length += count;
    }
}
