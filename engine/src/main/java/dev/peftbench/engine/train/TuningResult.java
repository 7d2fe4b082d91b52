package dev.peftbench.engine.train;

import java.nio.file.Path;
import java.util.List;

/**
 * What a run produced.
 *
 * @param losses      each step's loss, in order
 * @param interrupted the run was cancelled: the adapter holds the parameters after {@code steps} steps
 * @param evaluation  null without held-out rows (or when interrupted)
 */
public record TuningResult(Path out, TuningPlan plan, int steps, boolean interrupted, List<Double> losses,
                           Evaluation evaluation, double seconds) {
    public TuningResult {
        losses = List.copyOf(losses);
    }
}
