package dev.peftbench.engine.tensor.cpu;

import dev.peftbench.engine.tensor.AttentionSpan;
import dev.peftbench.engine.tensor.PositionScheme;
import dev.peftbench.engine.tensor.QkvLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.Arrays;

/**
 * One query head of causal self-attention for one sequence: {@code scores = (q · kᵀ) / sqrt(headDim) +
 * slope · keyPosition}, float32 softmax, then {@code probs · v} (modeling_llama's eager attention; with
 * the ALiBi slope, modeling_bloom.BloomAttention's baddbmm, whose per-row constant offset of the bias
 * cancels in the softmax; without ALiBi the slope is 0). Masked (future) keys are simply not visited.
 * Keys and values come from the query head's KV head, so grouped-query models cache only their KV heads.
 * Scores are computed a cache block at a time from the transposed keys ({@link KvBlockPool#keyBase}):
 * one vector lane per position, so no horizontal sum per key.
 */
final class AttentionKernel {

    private static final VectorSpecies<Float> F = LinearKernels.F;
    private static final int L = F.length();
    private static final int BLOCK = KvBlockPool.BLOCK;
    /*
     * Lane numbers as an array, not a static final FloatVector: C2 boxes loop values merged with a
     * vector constant, which allocated on every call (JFR: ~300 MB per bench run) and ran at scalar speed.
     */
    private static final float[] LANE_INDEX = laneIndexes();

    static {
        if (BLOCK % L != 0) {
            throw new IllegalStateException("a KV block of " + BLOCK + " positions must hold whole vectors of " + L);
        }
    }

    private AttentionKernel() {
    }

    private static float[] laneIndexes() {
        float[] lanes = new float[L];
        for (int i = 0; i < L; i++) {
            lanes[i] = i;
        }
        return lanes;
    }

    /**
     * Stores the span's new keys and values of KV head {@code kvHead} at the positions after what the cache
     * holds, each key rotated first when the positions are rotary (in place in {@code qkv}).
     */
    static void writeKeysAndValues(float[] qkv, QkvLayout layout, CpuKvCache cache, AttentionSpan span, int layer,
                                   int kvHead, PositionScheme.Rotary rotary) {
        int past = cache.length();
        for (int i = 0; i < span.rowCount(); i++) {
            int row = (span.rowStart() + i) * layout.cols();
            if (rotary != null) {
                rotary.rotate(qkv, row + layout.k(kvHead), past + i);
            }
            cache.write(layer, kvHead, past + i, qkv, row + layout.k(kvHead), row + layout.v(kvHead));
        }
    }

    /**
     * The context rows of query head {@code head} for the span's new rows (after {@link #writeKeysAndValues}),
     * each query rotated first when the positions are rotary; returns the (maybe grown) score buffer.
     */
    static float[] attend(float[] qkv, QkvLayout layout, float[] context, CpuKvCache cache, AttentionSpan span, int layer,
                          int head, float slope, PositionScheme.Rotary rotary, float[] scores) {
        int headDim = layout.headDim();
        int qkvCols = layout.cols();
        int contextCols = layout.contextCols();
        int kvHead = layout.kvHeadOf(head);
        int past = cache.length();
        float invNorm = (float) (1.0 / Math.sqrt(headDim));
        // Whole blocks of scores are computed, so the buffer is padded to a block.
        int needed = (past + span.rowCount() + BLOCK - 1) / BLOCK * BLOCK;
        if (scores.length < needed) {
            scores = new float[Math.max(needed, scores.length * 2)];
        }
        int keyBase = cache.keyBase(layer, kvHead);
        for (int i = 0; i < span.rowCount(); i++) {
            int row = span.rowStart() + i;
            int q = row * qkvCols + layout.q(head);
            if (rotary != null) {
                rotary.rotate(qkv, q, past + i);
            }
            int visible = past + i + 1;
            for (int start = 0; start < visible; start += BLOCK) {
                blockScores(qkv, q, cache.keys(start), keyBase, headDim, invNorm, slope, start, visible, scores);
            }
            // Scores are written a vector at a time; the lanes past the last visible key become -inf,
            // which the max ignores and exp turns into 0, so the loops below need no masks.
            int padded = (visible + L - 1) / L * L;
            Arrays.fill(scores, visible, padded, Float.NEGATIVE_INFINITY);
            float max = maxOf(scores, padded);
            float sum = expInPlace(scores, padded, max);
            weightedValues(scores, visible, 1f / sum, cache, layer, kvHead, headDim, context, row * contextCols + head * headDim);
        }
        return scores;
    }

    /** {@code scores[start + p] = (q · k_p) · invNorm + slope · (start + p)} for the block's positions below {@code visible}. */
    private static void blockScores(float[] qkv, int q, float[] keys, int keyBase, int headDim, float invNorm, float slope,
                                    int start, int visible, float[] scores) {
        for (int c = 0; c < BLOCK && start + c < visible; c += L) {
            int k = keyBase + c;
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            int d = 0;
            for (; d + 1 < headDim; d += 2, k += 2 * BLOCK) {
                a0 = FloatVector.fromArray(F, keys, k).fma(FloatVector.broadcast(F, qkv[q + d]), a0);
                a1 = FloatVector.fromArray(F, keys, k + BLOCK).fma(FloatVector.broadcast(F, qkv[q + d + 1]), a1);
            }
            if (d < headDim) {
                a0 = FloatVector.fromArray(F, keys, k).fma(FloatVector.broadcast(F, qkv[q + d]), a0);
            }
            FloatVector alibi = FloatVector.fromArray(F, LANE_INDEX, 0).add((float) (start + c)).mul(slope);
            a0.add(a1).mul(invNorm).add(alibi).intoArray(scores, start + c);
        }
    }

    /** Largest of {@code scores[0..n)}, {@code n} a multiple of the vector length. */
    private static float maxOf(float[] scores, int n) {
        FloatVector max = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < n; j += L) {
            FloatVector v = FloatVector.fromArray(F, scores, j);
            max = max.blend(v, v.compare(VectorOperators.GT, max));
        }
        return max.reduceLanes(VectorOperators.MAX);
    }

    /** {@code scores[j] = exp(scores[j] - max)} for {@code j < n}, a multiple of the vector length; returns their sum. */
    private static float expInPlace(float[] scores, int n, float max) {
        FloatVector sum = FloatVector.zero(F);
        for (int j = 0; j < n; j += L) {
            FloatVector e = FloatVector.fromArray(F, scores, j).sub(max).lanewise(VectorOperators.EXP);
            e.intoArray(scores, j);
            sum = sum.add(e);
        }
        return sum.reduceLanes(VectorOperators.ADD);
    }

    /**
     * {@code context[out + d] = inv · Σ_j probs[j] · v_j[d]}: four vectors of features accumulate in registers
     * over every visible position, a cache block at a time, and are stored once (not a load and store of the
     * output per position).
     */
    private static void weightedValues(float[] probs, int visible, float inv, CpuKvCache cache, int layer, int head,
                                       int headDim, float[] context, int out) {
        int d = 0;
        for (; d + 4 * L <= headDim; d += 4 * L) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0, a2 = a0, a3 = a0;
            for (int start = 0; start < visible; start += BLOCK) {
                float[] values = cache.values(start);
                int slot = cache.valueSlot(layer, head, start) + d;
                int end = Math.min(start + BLOCK, visible);
                for (int j = start; j < end; j++, slot += headDim) {
                    FloatVector p = FloatVector.broadcast(F, probs[j]);
                    a0 = FloatVector.fromArray(F, values, slot).fma(p, a0);
                    a1 = FloatVector.fromArray(F, values, slot + L).fma(p, a1);
                    a2 = FloatVector.fromArray(F, values, slot + 2 * L).fma(p, a2);
                    a3 = FloatVector.fromArray(F, values, slot + 3 * L).fma(p, a3);
                }
            }
            a0.mul(inv).intoArray(context, out + d);
            a1.mul(inv).intoArray(context, out + d + L);
            a2.mul(inv).intoArray(context, out + d + 2 * L);
            a3.mul(inv).intoArray(context, out + d + 3 * L);
        }
        for (; d + L <= headDim; d += L) {
            FloatVector a = FloatVector.zero(F);
            for (int start = 0; start < visible; start += BLOCK) {
                float[] values = cache.values(start);
                int slot = cache.valueSlot(layer, head, start) + d;
                int end = Math.min(start + BLOCK, visible);
                for (int j = start; j < end; j++, slot += headDim) {
                    a = FloatVector.fromArray(F, values, slot).fma(FloatVector.broadcast(F, probs[j]), a);
                }
            }
            a.mul(inv).intoArray(context, out + d);
        }
        for (; d < headDim; d++) {
            float a = 0;
            for (int j = 0; j < visible; j++) {
                a += probs[j] * cache.values(j)[cache.valueSlot(layer, head, j) + d];
            }
            context[out + d] = a * inv;
        }
    }
}
