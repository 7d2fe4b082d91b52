package dev.peftbench.engine.tensor;

import java.util.function.Supplier;

/**
 * What training an adapter needs from a backend beyond the forward operations: trainable parameters,
 * the causal-LM loss, and the gradient of the loss with respect to each parameter by reverse-mode
 * differentiation through the same operations the architectures are written in. Base weights are never
 * parameters, so they get no gradient and never change. Used by one thread at a time.
 */
public interface Autograd {

    /**
     * A float32 tensor {@code [rows, cols]} holding {@code values}; when {@code trainable}, gradients are
     * collected for it (a leaf of the recorded graph, as a {@code torch.nn.Parameter}).
     */
    Tensor parameter(float[] values, int rows, int cols, boolean trainable);

    /** Gives {@code parameter} new values (between steps); its gradient starts again from zero. */
    void assign(Tensor parameter, float[] values);

    /**
     * {@code Σᵢ -log softmax(logits[i])[targets[i]]} over the rows of {@code logits} (float32, over the whole
     * vocabulary): transformers' causal-LM cross-entropy with {@code reduction="sum"}, as a {@code [1, 1]} tensor.
     */
    Tensor crossEntropySum(Tensor logits, int[] targets);

    /**
     * Runs {@code loss} (a forward ending in a {@code [1, 1]} loss) with the operations recorded, then
     * back-propagates {@code scale · loss}: each trainable parameter's gradient grows by
     * {@code scale · d loss / d parameter} (gradients accumulate over calls until {@link #assign}). Frees
     * the step's temporaries. Returns the loss's value.
     */
    double backward(Supplier<Tensor> loss, float scale);

    /** The gradient collected for {@code parameter} so far (zeros if none), row-major. */
    float[] gradient(Tensor parameter);

    /**
     * Dropout on every LoRA input from now on, as {@code torch.nn.Dropout(p)} in training mode: each element
     * zeroed with probability {@code p}, the others scaled by {@code 1 / (1 - p)}, masks drawn from a
     * generator seeded with {@code seed} (so a run repeats); {@code p = 0} turns it off (evaluation).
     */
    void loraDropout(double p, long seed);
}
