package dev.peftbench.engine.tensor.cpu;

import dev.peftbench.engine.tensor.AttentionSpan;
import dev.peftbench.engine.tensor.PositionScheme;
import dev.peftbench.engine.tensor.QkvLayout;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * One query head of causal self-attention for one sequence: {@code scores = (q · kᵀ) / sqrt(headDim) +
 * slope · keyPosition}, float32 softmax, then {@code probs · v} (modeling_llama's eager attention; with
 * the ALiBi slope, modeling_bloom.BloomAttention's baddbmm, whose per-row constant offset of the bias
 * cancels in the softmax; without ALiBi the slope is 0). Masked (future) keys get no weight.
 * Keys and values come from the query head's KV head, so grouped-query models cache only their KV heads.
 * Scores are computed a cache block at a time from the transposed keys ({@link KvBlockPool#keyBase}):
 * one vector lane per position, so no horizontal sum per key.
 *
 * <p>A prefill's rows go {@link #TILE} at a time: each key and value vector read from the cache serves
 * four query rows, and the four rows' sums are independent chains, so the multiply-adds are not held
 * up by each other's latency (one row at a time had two chains for the scores and re-read the whole
 * cache per row). Positions a row must not see (the tile's later rows) get a score of -inf, so a
 * probability of exactly 0, and every row's numbers are those of the row computed alone. The value
 * tile keeps 8 sums in registers (four rows by two vectors of features): with 16 (four vectors), C2
 * spilled them and the tile ran slower than single rows.
 */
final class AttentionKernel {

    private static final VectorSpecies<Float> F = LinearKernels.F;
    private static final int L = F.length();
    private static final int BLOCK = KvBlockPool.BLOCK;
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    /**
     * exp(-40) = 4e-18 of the largest probability: a million keys below it hold 4e-12 of the sum, under float32's
     * rounding of it (6e-8); see {@link #expInPlace}.
     */
    private static final float NEGLIGIBLE = -40f;
    /** Query rows sharing each pass over the cache in a prefill. */
    static final int TILE = 4;
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
     * The context rows of query head {@code head} for the span's new rows (after {@link #writeKeysAndValues}
     * has stored all of them), each query rotated first when the positions are rotary; returns the (maybe
     * grown) score buffer.
     */
    static float[] attend(float[] qkv, QkvLayout layout, float[] context, CpuKvCache cache, AttentionSpan span, int layer,
                          int head, float slope, PositionScheme.Rotary rotary, float[] scores) {
        int past = cache.length();
        // One row of scores per tile row, each padded to whole blocks of the span's longest row.
        int stride = (past + span.rowCount() + BLOCK - 1) / BLOCK * BLOCK;
        int needed = (span.rowCount() >= TILE ? TILE : 1) * stride;
        if (scores.length < needed) {
            scores = new float[Math.max(needed, scores.length * 2)];
        }
        int i = 0;
        for (; i + TILE <= span.rowCount(); i += TILE) {
            tile(qkv, layout, context, cache, layer, head, slope, rotary, span.rowStart() + i, past + i, scores, stride);
        }
        for (; i < span.rowCount(); i++) {
            row(qkv, layout, context, cache, layer, head, slope, rotary, span.rowStart() + i, past + i, scores);
        }
        return scores;
    }

    /** Row {@code row} of {@code qkv}, at {@code position}, alone. */
    private static void row(float[] qkv, QkvLayout layout, float[] context, CpuKvCache cache, int layer, int head, float slope,
                            PositionScheme.Rotary rotary, int row, int position, float[] scores) {
        int headDim = layout.headDim();
        int kvHead = layout.kvHeadOf(head);
        int keyBase = cache.keyBase(layer, kvHead);
        float invNorm = (float) (1.0 / Math.sqrt(headDim));
        int q = query(qkv, layout, head, rotary, row, position);
        int visible = position + 1;
        for (int start = 0; start < visible; start += BLOCK) {
            blockScores(qkv, q, cache.keys(start), keyBase, headDim, invNorm, slope, start, visible, scores);
        }
        float inv = softmax(scores, 0, visible, visible);
        weightedValues(scores, visible, inv, cache, layer, kvHead, headDim, context, out(layout, head, row));
    }

    /** Rows {@code row..row+3} of {@code qkv}, at positions {@code position..position+3}, in one pass over the cache. */
    private static void tile(float[] qkv, QkvLayout layout, float[] context, CpuKvCache cache, int layer, int head, float slope,
                             PositionScheme.Rotary rotary, int row, int position, float[] scores, int stride) {
        int headDim = layout.headDim();
        int kvHead = layout.kvHeadOf(head);
        int keyBase = cache.keyBase(layer, kvHead);
        float invNorm = (float) (1.0 / Math.sqrt(headDim));
        int q0 = query(qkv, layout, head, rotary, row, position);
        int q1 = query(qkv, layout, head, rotary, row + 1, position + 1);
        int q2 = query(qkv, layout, head, rotary, row + 2, position + 2);
        int q3 = query(qkv, layout, head, rotary, row + 3, position + 3);
        int visible = position + TILE;
        for (int start = 0; start < visible; start += BLOCK) {
            tileScores(qkv, q0, q1, q2, q3, cache.keys(start), keyBase, headDim, invNorm, slope, start, visible, scores, stride);
        }
        float inv0 = softmax(scores, 0, position + 1, visible);
        float inv1 = softmax(scores, stride, position + 2, visible);
        float inv2 = softmax(scores, 2 * stride, position + 3, visible);
        float inv3 = softmax(scores, 3 * stride, position + 4, visible);
        tileValues(scores, stride, visible, inv0, inv1, inv2, inv3, cache, layer, kvHead, headDim, context,
                out(layout, head, row), out(layout, head, row + 1), out(layout, head, row + 2), out(layout, head, row + 3));
    }

    /** Where row {@code row}'s query of {@code head} starts in {@code qkv}, rotated to {@code position} when rotary. */
    private static int query(float[] qkv, QkvLayout layout, int head, PositionScheme.Rotary rotary, int row, int position) {
        int q = row * layout.cols() + layout.q(head);
        if (rotary != null) {
            rotary.rotate(qkv, q, position);
        }
        return q;
    }

    private static int out(QkvLayout layout, int head, int row) {
        return row * layout.contextCols() + head * layout.headDim();
    }

    /** {@code scores[start + p] = (q · k_p) · invNorm + slope · (start + p)} for the block's positions below {@code visible}. */
    private static void blockScores(float[] qkv, int q, MemorySegment keys, int keyBase, int headDim, float invNorm, float slope,
                                    int start, int visible, float[] scores) {
        for (int c = 0; c < BLOCK && start + c < visible; c += L) {
            long k = (long) (keyBase + c) * Float.BYTES;
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = FloatVector.zero(F);
            int d = 0;
            for (; d + 1 < headDim; d += 2, k += 2L * BLOCK * Float.BYTES) {
                a0 = load(keys, k).fma(FloatVector.broadcast(F, qkv[q + d]), a0);
                a1 = load(keys, k + BLOCK * Float.BYTES).fma(FloatVector.broadcast(F, qkv[q + d + 1]), a1);
            }
            if (d < headDim) {
                a0 = load(keys, k).fma(FloatVector.broadcast(F, qkv[q + d]), a0);
            }
            a0.add(a1).mul(invNorm).add(alibi(slope, start + c)).intoArray(scores, start + c);
        }
    }

    /** {@link #blockScores} of four queries, row {@code r}'s scores at {@code scores[r · stride..]}. */
    private static void tileScores(float[] qkv, int q0, int q1, int q2, int q3, MemorySegment keys, int keyBase, int headDim,
                                   float invNorm, float slope, int start, int visible, float[] scores, int stride) {
        for (int c = 0; c < BLOCK && start + c < visible; c += L) {
            long k = (long) (keyBase + c) * Float.BYTES;
            FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00;
            FloatVector a20 = a00, a21 = a00, a30 = a00, a31 = a00;
            int d = 0;
            for (; d + 1 < headDim; d += 2, k += 2L * BLOCK * Float.BYTES) {
                FloatVector even = load(keys, k);
                FloatVector odd = load(keys, k + BLOCK * Float.BYTES);
                a00 = even.fma(FloatVector.broadcast(F, qkv[q0 + d]), a00);
                a01 = odd.fma(FloatVector.broadcast(F, qkv[q0 + d + 1]), a01);
                a10 = even.fma(FloatVector.broadcast(F, qkv[q1 + d]), a10);
                a11 = odd.fma(FloatVector.broadcast(F, qkv[q1 + d + 1]), a11);
                a20 = even.fma(FloatVector.broadcast(F, qkv[q2 + d]), a20);
                a21 = odd.fma(FloatVector.broadcast(F, qkv[q2 + d + 1]), a21);
                a30 = even.fma(FloatVector.broadcast(F, qkv[q3 + d]), a30);
                a31 = odd.fma(FloatVector.broadcast(F, qkv[q3 + d + 1]), a31);
            }
            if (d < headDim) {
                FloatVector even = load(keys, k);
                a00 = even.fma(FloatVector.broadcast(F, qkv[q0 + d]), a00);
                a10 = even.fma(FloatVector.broadcast(F, qkv[q1 + d]), a10);
                a20 = even.fma(FloatVector.broadcast(F, qkv[q2 + d]), a20);
                a30 = even.fma(FloatVector.broadcast(F, qkv[q3 + d]), a30);
            }
            FloatVector alibi = alibi(slope, start + c);
            int at = start + c;
            a00.add(a01).mul(invNorm).add(alibi).intoArray(scores, at);
            a10.add(a11).mul(invNorm).add(alibi).intoArray(scores, stride + at);
            a20.add(a21).mul(invNorm).add(alibi).intoArray(scores, 2 * stride + at);
            a30.add(a31).mul(invNorm).add(alibi).intoArray(scores, 3 * stride + at);
        }
    }

    private static FloatVector alibi(float slope, int position) {
        return FloatVector.fromArray(F, LANE_INDEX, 0).add((float) position).mul(slope);
    }

    /**
     * {@code context[out + d] = inv · Σ_j probs[j] · v_j[d]}: four vectors of features accumulate in registers
     * over every visible position, a cache block at a time, and are stored once (not a load and store of the
     * output per position).
     */
    private static void weightedValues(float[] probs, int visible, float inv, CpuKvCache cache, int layer, int head,
                                       int headDim, float[] context, int out) {
        long step = (long) headDim * Float.BYTES;
        int d = 0;
        for (; d + 4 * L <= headDim; d += 4 * L) {
            FloatVector a0 = FloatVector.zero(F);
            FloatVector a1 = a0, a2 = a0, a3 = a0;
            for (int start = 0; start < visible; start += BLOCK) {
                MemorySegment values = cache.values(start);
                long slot = valueOffset(cache, layer, head, start, d);
                int end = Math.min(start + BLOCK, visible);
                for (int j = start; j < end; j++, slot += step) {
                    FloatVector p = FloatVector.broadcast(F, probs[j]);
                    a0 = load(values, slot).fma(p, a0);
                    a1 = load(values, slot + L * Float.BYTES).fma(p, a1);
                    a2 = load(values, slot + 2 * L * Float.BYTES).fma(p, a2);
                    a3 = load(values, slot + 3 * L * Float.BYTES).fma(p, a3);
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
                MemorySegment values = cache.values(start);
                long slot = valueOffset(cache, layer, head, start, d);
                int end = Math.min(start + BLOCK, visible);
                for (int j = start; j < end; j++, slot += step) {
                    a = load(values, slot).fma(FloatVector.broadcast(F, probs[j]), a);
                }
            }
            a.mul(inv).intoArray(context, out + d);
        }
        for (; d < headDim; d++) {
            float a = 0;
            for (int j = 0; j < visible; j++) {
                a += probs[j] * cache.values(j).get(ValueLayout.JAVA_FLOAT, valueOffset(cache, layer, head, j, d));
            }
            context[out + d] = a * inv;
        }
    }

    /** {@link #weightedValues} of four rows, row {@code r}'s probabilities at {@code probs[r · stride..]}, two vectors of features at a time. */
    private static void tileValues(float[] probs, int stride, int visible, float inv0, float inv1, float inv2, float inv3,
                                   CpuKvCache cache, int layer, int head, int headDim, float[] context,
                                   int out0, int out1, int out2, int out3) {
        long step = (long) headDim * Float.BYTES;
        int d = 0;
        for (; d + 2 * L <= headDim; d += 2 * L) {
            FloatVector a00 = FloatVector.zero(F), a01 = a00, a10 = a00, a11 = a00;
            FloatVector a20 = a00, a21 = a00, a30 = a00, a31 = a00;
            for (int start = 0; start < visible; start += BLOCK) {
                MemorySegment values = cache.values(start);
                long slot = valueOffset(cache, layer, head, start, d);
                int end = Math.min(start + BLOCK, visible);
                for (int j = start; j < end; j++, slot += step) {
                    FloatVector v0 = load(values, slot);
                    FloatVector v1 = load(values, slot + L * Float.BYTES);
                    FloatVector p = FloatVector.broadcast(F, probs[j]);
                    a00 = v0.fma(p, a00);
                    a01 = v1.fma(p, a01);
                    p = FloatVector.broadcast(F, probs[stride + j]);
                    a10 = v0.fma(p, a10);
                    a11 = v1.fma(p, a11);
                    p = FloatVector.broadcast(F, probs[2 * stride + j]);
                    a20 = v0.fma(p, a20);
                    a21 = v1.fma(p, a21);
                    p = FloatVector.broadcast(F, probs[3 * stride + j]);
                    a30 = v0.fma(p, a30);
                    a31 = v1.fma(p, a31);
                }
            }
            a00.mul(inv0).intoArray(context, out0 + d);
            a01.mul(inv0).intoArray(context, out0 + d + L);
            a10.mul(inv1).intoArray(context, out1 + d);
            a11.mul(inv1).intoArray(context, out1 + d + L);
            a20.mul(inv2).intoArray(context, out2 + d);
            a21.mul(inv2).intoArray(context, out2 + d + L);
            a30.mul(inv3).intoArray(context, out3 + d);
            a31.mul(inv3).intoArray(context, out3 + d + L);
        }
        for (; d + L <= headDim; d += L) {
            FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
            for (int start = 0; start < visible; start += BLOCK) {
                MemorySegment values = cache.values(start);
                long slot = valueOffset(cache, layer, head, start, d);
                int end = Math.min(start + BLOCK, visible);
                for (int j = start; j < end; j++, slot += step) {
                    FloatVector v = load(values, slot);
                    a0 = v.fma(FloatVector.broadcast(F, probs[j]), a0);
                    a1 = v.fma(FloatVector.broadcast(F, probs[stride + j]), a1);
                    a2 = v.fma(FloatVector.broadcast(F, probs[2 * stride + j]), a2);
                    a3 = v.fma(FloatVector.broadcast(F, probs[3 * stride + j]), a3);
                }
            }
            a0.mul(inv0).intoArray(context, out0 + d);
            a1.mul(inv1).intoArray(context, out1 + d);
            a2.mul(inv2).intoArray(context, out2 + d);
            a3.mul(inv3).intoArray(context, out3 + d);
        }
        for (; d < headDim; d++) {
            float a0 = 0, a1 = 0, a2 = 0, a3 = 0;
            for (int j = 0; j < visible; j++) {
                float v = cache.values(j).get(ValueLayout.JAVA_FLOAT, valueOffset(cache, layer, head, j, d));
                a0 += probs[j] * v;
                a1 += probs[stride + j] * v;
                a2 += probs[2 * stride + j] * v;
                a3 += probs[3 * stride + j] * v;
            }
            context[out0 + d] = a0 * inv0;
            context[out1 + d] = a1 * inv1;
            context[out2 + d] = a2 * inv2;
            context[out3 + d] = a3 * inv3;
        }
    }

    /** Byte offset of feature {@code d} of {@code position}'s value vector ({@code layer}, KV head {@code head}) in its block. */
    private static long valueOffset(CpuKvCache cache, int layer, int head, int position, int d) {
        return (long) (cache.valueSlot(layer, head, position) + d) * Float.BYTES;
    }

    /** A vector of keys or values from the cache (native memory). */
    private static FloatVector load(MemorySegment block, long offset) {
        return FloatVector.fromMemorySegment(F, block, offset, ORDER);
    }

    /**
     * Softmax of the row's scores at {@code scores[from..from+visible)} without normalising: the positions from
     * {@code visible} to the vector-padded {@code computed} get -inf (later rows of a tile, and the lanes past the
     * last key), which the max ignores and exp turns into exactly 0, so the loops need no masks. Returns 1 / sum.
     */
    private static float softmax(float[] scores, int from, int visible, int computed) {
        int padded = (computed + L - 1) / L * L;
        Arrays.fill(scores, from + visible, from + padded, Float.NEGATIVE_INFINITY);
        float max = maxOf(scores, from, padded);
        return 1f / expInPlace(scores, from, padded, max);
    }

    /** Largest of {@code scores[from..from+n)}, {@code n} a multiple of the vector length. */
    private static float maxOf(float[] scores, int from, int n) {
        FloatVector max = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
        for (int j = 0; j < n; j += L) {
            FloatVector v = FloatVector.fromArray(F, scores, from + j);
            max = max.blend(v, v.compare(VectorOperators.GT, max));
        }
        return max.reduceLanes(VectorOperators.MAX);
    }

    /**
     * {@code scores[j] = exp(scores[j] - max)} over {@code [from, from+n)}, {@code n} a multiple of the vector length;
     * returns their sum. Below {@link #NEGLIGIBLE} the result is 0: exp would return subnormal numbers there (and
     * their products with values more of them), which these x86 cores compute slowly (microcode assists: a quarter
     * of a 1,800-position prompt's attention time under ALiBi, whose steep slopes put many keys down there), while
     * their share of the sum is below float32's resolution.
     */
    private static float expInPlace(float[] scores, int from, int n, float max) {
        FloatVector sum = FloatVector.zero(F);
        for (int j = 0; j < n; j += L) {
            FloatVector x = FloatVector.fromArray(F, scores, from + j).sub(max);
            FloatVector e = x.lanewise(VectorOperators.EXP).blend(0f, x.compare(VectorOperators.LT, NEGLIGIBLE));
            e.intoArray(scores, from + j);
            sum = sum.add(e);
        }
        return sum.reduceLanes(VectorOperators.ADD);
    }
}
