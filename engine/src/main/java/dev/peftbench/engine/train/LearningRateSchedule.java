package dev.peftbench.engine.train;

/**
 * transformers' {@code get_linear_schedule_with_warmup}: the learning rate rises linearly from 0 over the
 * warm-up steps, then falls linearly to 0 at the last step. Step {@code s} (0-based) uses the factor
 * {@code lr_lambda(s)}, as a {@code LambdaLR} stepped after each optimizer step gives it: the first step of
 * a warm-up uses 0, the first step without one uses the full rate.
 */
public record LearningRateSchedule(double peak, int warmupSteps, int totalSteps) {

    public LearningRateSchedule {
        if (warmupSteps < 0 || totalSteps < 1) {
            throw new IllegalArgumentException("warm-up " + warmupSteps + " of " + totalSteps + " steps");
        }
    }

    public double rate(int step) {
        if (step < warmupSteps) {
            return peak * step / Math.max(1, warmupSteps);
        }
        return peak * Math.max(0.0, (double) (totalSteps - step) / Math.max(1, totalSteps - warmupSteps));
    }
}
