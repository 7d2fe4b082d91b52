package dev.peftbench.engine.eval;

import dev.peftbench.engine.train.DataFile;

import java.util.ArrayList;
import java.util.List;

/**
 * One row of labelled data to evaluate, as read: either value may be missing (null), which skips the row.
 *
 * @param index the row's index in its data (0 = the first row after a CSV header, as pandas numbers rows)
 */
public record EvalRow(int index, String text, String label) {
    public EvalRow {
        if (index < 0) {
            throw new IllegalArgumentException("row indexes start at 0, got " + index);
        }
    }

    /**
     * The first {@code limit} rows of {@code file} (all for 0), as the text and label columns give them.
     *
     * @throws dev.peftbench.engine.EngineException INVALID_INPUT when a column is missing (the file's columns listed)
     */
    public static List<EvalRow> of(DataFile file, String textColumn, String labelColumn, int limit) {
        List<String> texts = file.column(textColumn);
        List<String> labels = file.column(labelColumn);
        int n = limit > 0 ? Math.min(limit, texts.size()) : texts.size();
        List<EvalRow> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            rows.add(new EvalRow(i, texts.get(i), labels.get(i)));
        }
        return rows;
    }
}
