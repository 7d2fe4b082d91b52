package dev.peftbench.engine.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The normaliser of a logits row's log-softmax, {@code max + log Σ exp(x - max)} (entry {@code t} is {@code x[t]} minus
 * it), as torch's log_softmax computes it: shifted by the maximum, so no exponential overflows. The exponentials are vector lanes in float32 and summed
 * in float32 over chunks of {@link #CHUNK} values, the chunks' sums in float64: over bloomz's 250,880 logits a float32
 * running sum would carry a relative error up to ~1e-3, the chunked one ~1e-6.
 */
final class LogSoftmaxKernel {

    private static final VectorSpecies<Float> F = LinearKernels.F;
    private static final int CHUNK = 1024;

    private LogSoftmaxKernel() {
    }

    /** {@code log Σ exp} of the {@code vocab} values at {@code x[from..]}. */
    static double normaliser(float[] x, int from, int vocab) {
        int end = from + vocab;
        int bound = from + F.loopBound(vocab);
        FloatVector maxes = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        int i = from;
        for (; i < bound; i += F.length()) {
            maxes = maxes.max(FloatVector.fromArray(F, x, i));
        }
        float max = maxes.reduceLanes(VectorOperators.MAX);
        for (; i < end; i++) {
            max = Math.max(max, x[i]);
        }
        double sum = 0;
        i = from;
        while (i < bound) {
            int chunkEnd = Math.min(bound, i + CHUNK);
            FloatVector acc = FloatVector.zero(F);
            for (; i < chunkEnd; i += F.length()) {
                acc = acc.add(FloatVector.fromArray(F, x, i).sub(max).lanewise(VectorOperators.EXP));
            }
            sum += acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < end; i++) {
            sum += Math.exp(x[i] - max);
        }
        return max + Math.log(sum);
    }
}
