package dev.peftbench.engine.tensor.cpu;

import dev.peftbench.engine.tensor.PreallocatedKvCache;

/**
 * Keys and values of one sequence, laid out {@code [layer][head][position][headDim]} so that one head's
 * keys are contiguous for the score loop. Sized once for the whole sequence.
 */
final class CpuKvCache extends PreallocatedKvCache {
    final int heads;
    final int headDim;
    final float[] keys;
    final float[] values;

    CpuKvCache(int layers, int heads, int headDim, int capacity) {
        super(capacity);
        this.heads = heads;
        this.headDim = headDim;
        int size = Math.multiplyExact(Math.multiplyExact(layers * heads, capacity), headDim);
        this.keys = new float[size];
        this.values = new float[size];
    }

    int offset(int layer, int head, int position) {
        return ((layer * heads + head) * capacity() + position) * headDim;
    }
}
