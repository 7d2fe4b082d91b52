package dev.peftbench.engine.tensor.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import dev.peftbench.engine.tensor.BoundedKvCache;
import dev.peftbench.engine.tensor.KvCache;

import java.util.ArrayList;
import java.util.List;

/** One sequence's keys and values on the model's device, freed when the sequence ends. */
abstract sealed class DjlKvCache extends BoundedKvCache permits DjlKvCache.Preallocated, DjlKvCache.Appended {

    final NDManager manager;

    DjlKvCache(NDManager parent, int capacity) {
        super(capacity);
        this.manager = parent.newSubManager();
    }

    /**
     * Stores layer {@code layer}'s keys and values {@code [kvHeads, n, headDim]} of positions
     * {@code [past, past + n)} and returns every cached key and value {@code [kvHeads, past + n, headDim]},
     * as arrays of {@code step}.
     */
    abstract NDArray[] store(int layer, NDArray keys, NDArray values, int past, NDManager step);

    @Override
    public void close() {
        manager.close();
    }

    /**
     * For generation: two preallocated {@code [layers, heads, capacity, headDim]} arrays written in place per
     * step, so a decode step copies nothing.
     */
    static final class Preallocated extends DjlKvCache {
        private final NDManager parent;
        private final NDArray keys;
        private final NDArray values;

        Preallocated(NDManager parent, int layers, int heads, int headDim, int capacity, DataType type) {
            super(parent, capacity);
            this.parent = parent;
            Shape shape = new Shape(layers, heads, capacity, headDim);
            this.keys = manager.zeros(shape, type);
            this.values = manager.zeros(shape, type);
        }

        /** A copy on the device (these arrays are one per sequence: nothing to share), computing nothing again. */
        @Override
        public KvCache fork(int capacity) {
            if (capacity < length()) {
                throw new IllegalArgumentException("a fork of " + length() + " positions cannot hold only " + capacity);
            }
            Shape shape = keys.getShape();
            Preallocated fork = new Preallocated(parent, (int) shape.get(0), (int) shape.get(1), (int) shape.get(3), capacity,
                    keys.getDataType());
            if (length() > 0) {
                NDIndex filled = new NDIndex(":, :, 0:{}, :", length());
                try (NDArray k = keys.get(filled); NDArray v = values.get(filled)) {
                    fork.keys.set(filled, k);
                    fork.values.set(filled, v);
                }
                fork.advance(length());
            }
            return fork;
        }

        @Override
        NDArray[] store(int layer, NDArray k, NDArray v, int past, NDManager step) {
            int total = past + (int) k.getShape().get(1);
            keys.set(new NDIndex("{}, :, {}:{}, :", layer, past, total), k);
            values.set(new NDIndex("{}, :, {}:{}, :", layer, past, total), v);
            NDArray allKeys = keys.get(new NDIndex("{}, :, 0:{}, :", layer, total));
            NDArray allValues = values.get(new NDIndex("{}, :, 0:{}, :", layer, total));
            allKeys.attach(step);
            allValues.attach(step);
            return new NDArray[] {allKeys, allValues};
        }
    }

    /**
     * For training: each forward's keys and values kept as they came and concatenated when read. Nothing
     * is written in place, so autograd follows the keys and values back to the parameters that made them
     * (an in-place write into a shared array would change values the backward pass saved).
     */
    static final class Appended extends DjlKvCache {
        private final List<List<NDArray>> keys = new ArrayList<>();
        private final List<List<NDArray>> values = new ArrayList<>();

        Appended(NDManager parent, int layers, int capacity) {
            super(parent, capacity);
            for (int l = 0; l < layers; l++) {
                keys.add(new ArrayList<>());
                values.add(new ArrayList<>());
            }
        }

        @Override
        NDArray[] store(int layer, NDArray k, NDArray v, int past, NDManager step) {
            k.attach(manager);
            v.attach(manager);
            keys.get(layer).add(k);
            values.get(layer).add(v);
            return new NDArray[] {joined(keys.get(layer), step), joined(values.get(layer), step)};
        }

        /** A cache holding the same keys and values (copies on the device), for label scoring's continuations. */
        @Override
        public KvCache fork(int capacity) {
            if (capacity < length()) {
                throw new IllegalArgumentException("a fork of " + length() + " positions cannot hold only " + capacity);
            }
            Appended fork = new Appended(manager.getParentManager(), keys.size(), capacity);
            for (int layer = 0; layer < keys.size(); layer++) {
                for (int i = 0; i < keys.get(layer).size(); i++) {
                    NDArray k = keys.get(layer).get(i).duplicate();
                    NDArray v = values.get(layer).get(i).duplicate();
                    k.attach(fork.manager);
                    v.attach(fork.manager);
                    fork.keys.get(layer).add(k);
                    fork.values.get(layer).add(v);
                }
            }
            if (length() > 0) {
                fork.advance(length());
            }
            return fork;
        }

        private static NDArray joined(List<NDArray> parts, NDManager step) {
            if (parts.size() == 1) {
                return parts.getFirst();
            }
            NDArray all = NDArrays.concat(new NDList(parts), 1);
            all.attach(step);
            return all;
        }
    }
}
