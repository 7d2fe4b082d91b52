package dev.peftbench.engine.tensor.djl;

import ai.djl.ndarray.NDArray;
import dev.peftbench.engine.tensor.Tensor;

/**
 * A 2-D NDArray: a weight on the backend's manager or an activation of the current step. The
 * operations that change a tensor "in place" give it a new array ({@link #replace}) instead of writing
 * into the old one, so values autograd saved for the backward pass are never overwritten.
 */
final class DjlTensor implements Tensor {
    NDArray array;

    DjlTensor(NDArray array) {
        this.array = checked(array);
    }

    /** From now on this tensor's values are {@code next} (same shape). */
    void replace(NDArray next) {
        if (!next.getShape().equals(array.getShape())) {
            throw new IllegalArgumentException("replacing " + array.getShape() + " with " + next.getShape());
        }
        array = next;
    }

    private static NDArray checked(NDArray array) {
        if (array.getShape().dimension() != 2) {
            throw new IllegalArgumentException("expected a 2-D array, got " + array.getShape());
        }
        return array;
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
