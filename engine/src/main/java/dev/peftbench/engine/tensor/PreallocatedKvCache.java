package dev.peftbench.engine.tensor;

/** The bookkeeping every backend's cache shares: a fixed capacity and the committed length. */
public abstract class PreallocatedKvCache implements KvCache {

    private final int capacity;
    private int length;

    protected PreallocatedKvCache(int capacity) {
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
