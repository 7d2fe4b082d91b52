package dev.peftbench.engine.tensor.djl;

import ai.djl.ndarray.NDArray;
import dev.peftbench.engine.tensor.Tensor;

/** A 2-D NDArray: a weight on the backend's manager or an activation of the current step. */
final class DjlTensor implements Tensor {
    final NDArray array;

    DjlTensor(NDArray array) {
        if (array.getShape().dimension() != 2) {
            throw new IllegalArgumentException("expected a 2-D array, got " + array.getShape());
        }
        this.array = array;
    }

    @Override
    public int rows() {
        return Math.toIntExact(array.getShape().get(0));
    }

    @Override
    public int cols() {
        return Math.toIntExact(array.getShape().get(1));
    }
}
