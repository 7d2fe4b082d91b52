package dev.peftbench.engine.eval;

/**
 * Hears each row of a run as it is done, in row order, on the run's own thread (never the model's scheduler): a slow
 * listener delays the run's report, never the model's other requests.
 */
@FunctionalInterface
public interface EvalListener {

    EvalListener NONE = (row, progress) -> {
    };

    void onRow(RowOutcome row, EvalProgress progress);
}
