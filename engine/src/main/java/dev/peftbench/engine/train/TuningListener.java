package dev.peftbench.engine.train;

import dev.peftbench.engine.FieldMessage;

/**
 * Hears how a tuning run goes, on the thread that runs it: what is being prepared, the plan once the
 * data is checked and the model loaded, every optimizer step, the held-out evaluation.
 */
public interface TuningListener {

    TuningListener NONE = new TuningListener() {
    };

    /** A preparation stage (reading data, loading the model) and its fraction done, when known (else -1). */
    default void preparing(String message, double fraction) {
    }

    default void started(TuningPlan plan) {
    }

    default void step(StepReport step) {
    }

    default void evaluating(int rows) {
    }

    default void evaluated(Evaluation evaluation) {
    }

    /** Something the user should know about the adapter this run writes (it still runs). */
    default void warning(FieldMessage message) {
    }
}
