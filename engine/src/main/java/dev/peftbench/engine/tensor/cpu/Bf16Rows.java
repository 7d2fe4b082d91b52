package dev.peftbench.engine.tensor.cpu;

import dev.peftbench.engine.load.Bfloat16;
import dev.peftbench.engine.tensor.Tensor;

/**
 * A bfloat16 table {@code [rows, cols]}, row-major as stored, whose rows are looked up and widened exactly
 * (a bfloat16 checkpoint's word embeddings beside 8-bit weights): half the memory of float32, and no
 * repacking at load.
 */
record Bf16Rows(short[] data, int rows, int cols) implements Tensor {
    Bf16Rows {
        if ((long) rows * cols != data.length) {
            throw new IllegalArgumentException("shape [" + rows + ", " + cols + "] does not match " + data.length + " values");
        }
    }

    void copyRow(int row, float[] dst, int offset) {
        int base = row * cols;
        for (int k = 0; k < cols; k++) {
            dst[offset + k] = Bfloat16.toFloat(data[base + k]);
        }
    }
}
