package dev.peftbench.engine.tensor.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.peftbench.engine.tensor.KvCache;

/**
 * One sequence's keys and values as two preallocated {@code [layers, heads, capacity, headDim]} arrays
 * on the model's device, written in place per step; freed when the sequence ends.
 */
final class DjlKvCache implements KvCache {
    final NDManager manager;
    final NDArray keys;
    final NDArray values;
    private final int capacity;
    private int length;

    DjlKvCache(NDManager parent, int layers, int heads, int headDim, int capacity, DataType type) {
        this.manager = parent.newSubManager();
        this.capacity = capacity;
        Shape shape = new Shape(layers, heads, capacity, headDim);
        this.keys = manager.zeros(shape, type);
        this.values = manager.zeros(shape, type);
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

    @Override
    public void close() {
        manager.close();
    }
}
