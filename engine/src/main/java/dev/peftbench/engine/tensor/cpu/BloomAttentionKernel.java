package dev.peftbench.engine.tensor.cpu;

import dev.peftbench.engine.tensor.AttentionSpan;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * One head of BLOOM self-attention for one sequence (transformers' modeling_bloom.BloomAttention):
 * {@code scores = alibi + (q · kᵀ) / sqrt(headDim)} via baddbmm, causal mask, float32 softmax, then
 * {@code probs · v}. ALiBi's bias is {@code slope · keyPosition}; HF's per-row constant offset of
 * the same bias cancels in the softmax. Masked (future) keys are simply not visited.
 */
final class BloomAttentionKernel {

    private static final VectorSpecies<Float> F = LinearKernels.F;

    private BloomAttentionKernel() {
    }

    /** Writes this head's keys/values for the span's new rows and its context rows; returns the (maybe grown) score buffer. */
    static float[] run(float[] qkv, float[] context, CpuKvCache cache, AttentionSpan span, int layer, int head,
                       int heads, int headDim, float slope, float[] scores) {
        int qkvCols = heads * 3 * headDim;
        int contextCols = heads * headDim;
        int past = cache.length();
        for (int i = 0; i < span.rowCount(); i++) {
            int src = (span.rowStart() + i) * qkvCols + head * 3 * headDim;
            int position = past + i;
            int dst = cache.slot(layer, head, position);
            System.arraycopy(qkv, src + headDim, cache.keys(position), dst, headDim);
            System.arraycopy(qkv, src + 2 * headDim, cache.values(position), dst, headDim);
        }
        float invNorm = (float) (1.0 / Math.sqrt(headDim));
        int needed = past + span.rowCount();
        if (scores.length < needed) {
            scores = new float[Math.max(needed, scores.length * 2)];
        }
        for (int i = 0; i < span.rowCount(); i++) {
            int row = span.rowStart() + i;
            int q = row * qkvCols + head * 3 * headDim;
            int visible = past + i + 1;
            float max = Float.NEGATIVE_INFINITY;
            for (int j = 0; j < visible; j++) {
                float s = dot(qkv, q, cache.keys(j), cache.slot(layer, head, j), headDim) * invNorm + slope * j;
                scores[j] = s;
                max = Math.max(max, s);
            }
            float sum = 0;
            for (int j = 0; j < visible; j++) {
                float e = (float) Math.exp(scores[j] - max);
                scores[j] = e;
                sum += e;
            }
            int out = row * contextCols + head * headDim;
            float inv = 1f / sum;
            for (int j = 0; j < visible; j++) {
                axpy(scores[j] * inv, cache.values(j), cache.slot(layer, head, j), context, out, headDim);
            }
        }
        return scores;
    }

    private static float dot(float[] a, int ao, float[] b, int bo, int n) {
        int bound = F.loopBound(n);
        float sum = 0;
        if (bound > 0) {
            FloatVector acc = FloatVector.zero(F);
            for (int k = 0; k < bound; k += F.length()) {
                acc = FloatVector.fromArray(F, a, ao + k).fma(FloatVector.fromArray(F, b, bo + k), acc);
            }
            sum = acc.reduceLanes(VectorOperators.ADD);
        }
        for (int k = bound; k < n; k++) {
            sum += a[ao + k] * b[bo + k];
        }
        return sum;
    }

    /** {@code y += alpha · x}. */
    private static void axpy(float alpha, float[] x, int xo, float[] y, int yo, int n) {
        int bound = F.loopBound(n);
        int k = 0;
        for (; k < bound; k += F.length()) {
            FloatVector.fromArray(F, x, xo + k).fma(FloatVector.broadcast(F, alpha), FloatVector.fromArray(F, y, yo + k)).intoArray(y, yo + k);
        }
        for (; k < n; k++) {
            y[yo + k] += alpha * x[xo + k];
        }
    }
}
