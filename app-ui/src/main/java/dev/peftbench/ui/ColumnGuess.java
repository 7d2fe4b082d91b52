package dev.peftbench.ui;

import java.util.List;

/**
 * Which of a data file's columns are probably the text and the label, from their usual names (peft's
 * twitter-complaints example first), so the Tune and Evaluate pages open on a file ready to use.
 */
public final class ColumnGuess {
    private static final List<String> TEXT = List.of("Tweet text", "text", "input", "sentence", "prompt");
    private static final List<String> LABEL = List.of("text_label", "label", "output", "target", "answer");

    private ColumnGuess() {
    }

    /** The first usual text name among {@code columns}, else the first column. */
    public static String text(List<String> columns) {
        return pick(columns, TEXT, 0);
    }

    /** The first usual label name among {@code columns}, else the last column. */
    public static String label(List<String> columns) {
        return pick(columns, LABEL, columns.size() - 1);
    }

    private static String pick(List<String> columns, List<String> likely, int fallback) {
        return likely.stream().filter(columns::contains).findFirst().orElse(columns.get(Math.max(0, fallback)));
    }
}
