package dev.peftbench.engine.train;

import java.util.Objects;

/**
 * One labelled row of a data file: the text the template is applied to and the label the model learns
 * to answer with.
 *
 * @param row the row's number in its file (1 = the first row after a CSV header)
 */
public record Example(int row, String text, String label) {
    public Example {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(label, "label");
        if (row < 1) {
            throw new IllegalArgumentException("rows are numbered from 1, got " + row);
        }
    }
}
