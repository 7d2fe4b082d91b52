package dev.peftbench.engine.eval;

import java.util.List;

/**
 * One run's result: every row in data order (evaluated or skipped; after a cancel, those done until then) and their
 * metrics.
 *
 * @param adapter    what the rows were evaluated with, as the caller names it (a path or Hub id); null = the base model
 * @param endTokenId score mode: the id that ended every label; generate mode: null
 * @param total      rows asked for (more than {@code rows} after a cancel)
 * @param cancelled  whether the run was cancelled before its last row
 */
public record EvalReport(String adapter, EvalMode mode, LabelSet labels, Integer endTokenId, List<RowOutcome> rows,
                         int total, ClassificationMetrics metrics, boolean cancelled, double seconds) {

    public EvalReport {
        rows = List.copyOf(rows);
    }

    public List<RowOutcome> skipped() {
        return rows.stream().filter(r -> !r.evaluated()).toList();
    }

    /** Rows done (evaluated or skipped) per second. */
    public double rowsPerSecond() {
        return seconds <= 0 ? 0 : rows.size() / seconds;
    }
}
