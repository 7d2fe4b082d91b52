package dev.peftbench.engine.generate;

import dev.peftbench.engine.EngineException;

/**
 * Work besides generation that needs its model's forward passes and caches (label scoring): queued with the
 * sequences, then run in slices on the scheduler thread, which owns the model, between decode steps.
 */
public interface BatchJob {

    /**
     * Runs the next slice, prefilling about {@code promptPositions} positions (the scheduler's budget per step, so
     * sequences decoding beside the job keep getting tokens); returns true once the job is over (done or cancelled).
     */
    boolean runSlice(int promptPositions);

    /** The job ends with {@code failure} (a slice failed, or the scheduler stopped). */
    void fail(EngineException failure);
}
