package dev.peftbench.engine.tensor.cpu;

import dev.peftbench.engine.tensor.KvCache;

/**
 * Keys and values of one sequence, laid out {@code [layer][head][position][headDim]} so that one head's
 * keys are contiguous for the score loop. Sized once for the whole sequence.
 */
final class CpuKvCache implements KvCache {
    final int heads;
    final int headDim;
    final int capacity;
    final float[] keys;
    final float[] values;
    private int length;

    CpuKvCache(int layers, int heads, int headDim, int capacity) {
        this.heads = heads;
        this.headDim = headDim;
        this.capacity = capacity;
        int size = Math.multiplyExact(Math.multiplyExact(layers * heads, capacity), headDim);
        this.keys = new float[size];
        this.values = new float[size];
    }

    int offset(int layer, int head, int position) {
        return ((layer * heads + head) * capacity + position) * headDim;
    }

    @Override
    public int length() {
        return length;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public void advance(int count) {
        if (length + count > capacity) {
            throw new IllegalStateException("KV cache overflow: " + (length + count) + " > " + capacity);
        }
        length += count;
    }
}
