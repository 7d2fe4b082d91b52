package dev.peftbench.engine.train;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.InputField;

/**
 * How the adapter is optimised. A step is one optimizer update over {@code batchSize ·
 * gradientAccumulationSteps} examples, its gradient that of the mean loss over all their target tokens.
 *
 * @param learningRate null: 3e-2 for prompt tuning, 3e-3 for LoRA (peft's causal-LM examples)
 * @param weightDecay  null: torch's default for the optimizer (AdamW 0.01, SGD 0)
 * @param maxSteps     0: as many steps as the epochs take; more: stop after that many (and the schedule ends there)
 * @param shuffle      a fresh seeded order of the training rows each epoch; off: file order
 */
public record OptimizationSettings(int epochs, int batchSize, Double learningRate, Optimizer.Kind optimizer,
                                   Double weightDecay, int warmupSteps, int maxSteps, int gradientAccumulationSteps,
                                   long seed, boolean shuffle) {

    public static final int DEFAULT_EPOCHS = 20;
    public static final int DEFAULT_BATCH_SIZE = 8;
    public static final long DEFAULT_SEED = 42;

    public OptimizationSettings {
        if (epochs < 1) {
            throw EngineException.invalid("{0} must be >= 1, got " + epochs, InputField.EPOCHS);
        }
        if (batchSize < 1) {
            throw EngineException.invalid("{0} must be >= 1, got " + batchSize, InputField.BATCH_SIZE);
        }
        if (learningRate != null && !(learningRate > 0 && learningRate < 1e3)) {
            throw EngineException.invalid("{0} must be a positive number, got " + learningRate, InputField.LEARNING_RATE);
        }
        optimizer = optimizer == null ? Optimizer.Kind.ADAMW : optimizer;
        if (weightDecay != null && !(weightDecay >= 0)) {
            throw EngineException.invalid("{0} must be >= 0, got " + weightDecay, InputField.WEIGHT_DECAY);
        }
        if (warmupSteps < 0 || maxSteps < 0) {
            throw EngineException.invalid("{0} and {1} must be >= 0", InputField.WARMUP_STEPS, InputField.MAX_STEPS);
        }
        if (gradientAccumulationSteps < 1) {
            throw EngineException.invalid("{0} must be >= 1, got " + gradientAccumulationSteps,
                    InputField.GRADIENT_ACCUMULATION_STEPS);
        }
    }

    public static OptimizationSettings defaults() {
        return new OptimizationSettings(DEFAULT_EPOCHS, DEFAULT_BATCH_SIZE, null, Optimizer.Kind.ADAMW, null, 0, 0, 1,
                DEFAULT_SEED, true);
    }

    public double learningRate(TuningMethod method) {
        return learningRate != null ? learningRate : method == TuningMethod.LORA ? 3e-3 : 3e-2;
    }

    public double weightDecayOrDefault() {
        return weightDecay != null ? weightDecay : optimizer.defaultWeightDecay();
    }
}
