package dev.peftbench.engine.train;

/**
 * One optimizer step done.
 *
 * @param step            1-based
 * @param epoch           epochs done, fractional (1.5 = halfway through the second)
 * @param loss            the step's mean loss over its target tokens
 * @param learningRate    the rate this step used
 * @param tokensPerSecond positions (virtual tokens, prompt and target) fed per second over the run so far
 * @param etaSeconds      the remaining steps at the run's pace so far
 */
public record StepReport(int step, int totalSteps, double epoch, double loss, double learningRate, double tokensPerSecond,
                         double elapsedSeconds, double etaSeconds) {
}
