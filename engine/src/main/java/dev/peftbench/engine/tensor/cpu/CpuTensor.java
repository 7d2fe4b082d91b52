package dev.peftbench.engine.tensor.cpu;

import dev.peftbench.engine.tensor.Tensor;

/** A float32 tensor {@code [rows, cols]} in a Java array, row-major: activations, biases and norm weights. */
record CpuTensor(float[] data, int rows, int cols) implements Tensor {
    CpuTensor {
        if ((long) rows * cols != data.length) {
            throw new IllegalArgumentException("shape [" + rows + ", " + cols + "] does not match " + data.length + " values");
        }
    }

    CpuTensor(int rows, int cols) {
        this(new float[Math.multiplyExact(rows, cols)], rows, cols);
    }
}
