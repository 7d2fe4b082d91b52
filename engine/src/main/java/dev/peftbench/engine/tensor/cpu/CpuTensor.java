package dev.peftbench.engine.tensor.cpu;

import dev.peftbench.engine.tensor.Tensor;

/**
 * A float32 tensor {@code [rows, cols]} in a Java array, row-major: activations, biases and norm weights. The
 * values are the array's first {@link #size()}; an activation's array may be longer ({@link ActivationArena}).
 */
record CpuTensor(float[] data, int rows, int cols) implements Tensor {
    CpuTensor {
        if (rows < 0 || cols < 0 || (long) rows * cols > data.length) {
            throw new IllegalArgumentException("shape [" + rows + ", " + cols + "] does not fit " + data.length + " values");
        }
    }

    /** Values in the tensor: {@code rows · cols}. */
    int size() {
        return rows * cols;
    }

    CpuTensor(int rows, int cols) {
        this(new float[Math.multiplyExact(rows, cols)], rows, cols);
    }
}
