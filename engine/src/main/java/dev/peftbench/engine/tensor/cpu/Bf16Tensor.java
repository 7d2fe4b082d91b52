package dev.peftbench.engine.tensor.cpu;

import dev.peftbench.engine.tensor.Tensor;

/**
 * A bfloat16 weight {@code [rows, cols]} kept as raw 16-bit values: half the bytes of float32 to stream
 * per decode step, widened in registers by the kernels (bits << 16 is the float32 value).
 */
record Bf16Tensor(short[] data, int rows, int cols) implements Tensor {
    Bf16Tensor {
        if ((long) rows * cols != data.length) {
            throw new IllegalArgumentException("shape [" + rows + ", " + cols + "] does not match " + data.length + " values");
        }
    }
}
