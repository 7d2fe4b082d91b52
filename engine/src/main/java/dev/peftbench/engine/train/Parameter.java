package dev.peftbench.engine.train;

import java.util.Objects;

/**
 * One trainable tensor of an adapter, named as peft saves it, with its float32 values (row-major), which
 * the optimizer updates in place.
 */
public record Parameter(String name, int rows, int cols, float[] values) {
    public Parameter {
        Objects.requireNonNull(name, "name");
        if (rows < 1 || cols < 1 || values.length != (long) rows * cols) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for [" + rows + ", " + cols + "]");
        }
    }
}
