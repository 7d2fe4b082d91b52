package dev.peftbench.engine.arch;

import java.util.Objects;

/**
 * The logits of a forward's last positions, one row per {@link ForwardRow}, back to back in one array.
 * The array belongs to the model and is overwritten by its next forward, so a decode step allocates no
 * per-row copies (8 x 1 MB per step at batch 8 with bloomz's vocabulary; JFR showed them as most of
 * the garbage a generation made). Read or copy what you need before the next forward.
 */
public record Logits(float[] values, int rows, int vocab) {

    public Logits {
        Objects.requireNonNull(values, "values");
        if (rows < 0 || vocab < 1 || (long) rows * vocab > values.length) {
            throw new IllegalArgumentException(rows + " rows of " + vocab + " logits do not fit " + values.length + " values");
        }
    }

    /** Where row {@code row} starts in {@link #values}. */
    public int offset(int row) {
        return Objects.checkIndex(row, rows) * vocab;
    }
}
