package dev.peftbench.engine.train;

import java.util.List;

/**
 * What a run will do, known once its data is checked and its model loaded.
 *
 * @param skippedRows rows left out for being longer than the run's position limit
 */
public record TuningPlan(TuningMethod method, String architecture, int trainRows, int evalRows, List<Integer> skippedRows,
                         int stepsPerEpoch, int totalSteps, long trainableParameters, double learningRate,
                         String device) {
    public TuningPlan {
        skippedRows = List.copyOf(skippedRows);
    }
}
