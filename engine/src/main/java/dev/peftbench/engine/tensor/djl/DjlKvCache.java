package dev.peftbench.engine.tensor.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.peftbench.engine.tensor.BoundedKvCache;

/**
 * One sequence's keys and values as two preallocated {@code [layers, heads, capacity, headDim]} arrays
 * on the model's device, written in place per step; freed when the sequence ends.
 */
final class DjlKvCache extends BoundedKvCache {
    final NDManager manager;
    final NDArray keys;
    final NDArray values;

    DjlKvCache(NDManager parent, int layers, int heads, int headDim, int capacity, DataType type) {
        super(capacity);
        this.manager = parent.newSubManager();
        Shape shape = new Shape(layers, heads, capacity, headDim);
        this.keys = manager.zeros(shape, type);
        this.values = manager.zeros(shape, type);
    }

    @Override
    public void close() {
        manager.close();
    }
}
