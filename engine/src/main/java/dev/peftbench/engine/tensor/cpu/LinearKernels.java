package dev.peftbench.engine.tensor.cpu;

import dev.peftbench.engine.load.Bfloat16;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@code y = x · wᵀ + b} for small batches, the work of a decode step. Weights dominate the memory
 * traffic, so each pass reads four weight rows once and applies them to up to four input rows from
 * cache (4x4 register tile: 16 accumulators). bfloat16 weights are widened in registers
 * (short -> int, shift left 16, reinterpret), so they stream at half the bytes of float32.
 */
final class LinearKernels {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Integer> I = IntVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> S =
            VectorSpecies.of(short.class, VectorShape.forBitSize(F.vectorBitSize() / 2));
    private static final int L = F.length();

    private LinearKernels() {
    }

    /** Output columns {@code [o0, o1)} of {@code y[n, out]} for all {@code n} rows of {@code x[n, in]}. */
    static void f32(float[] x, int n, int in, float[] w, float[] bias, float[] y, int out, int o0, int o1) {
        int chunk = rowChunk(in);
        for (int r0 = 0; r0 < n; r0 += chunk) {
            int r1 = Math.min(n, r0 + chunk);
            int o = o0;
            for (; o + 4 <= o1; o += 4) {
                int r = r0;
                for (; r + 4 <= r1; r += 4) {
                    f32Tile4x4(x, in, r, w, o, y, out);
                }
                for (; r < r1; r++) {
                    f32Tile4x1(x, in, r, w, o, y, out);
                }
            }
            for (; o < o1; o++) {
                for (int r = r0; r < r1; r++) {
                    y[r * out + o] = f32Dot(x, r * in, w, o * in, in);
                }
            }
        }
        addBias(bias, y, n, out, o0, o1);
    }

    static void bf16(float[] x, int n, int in, short[] w, float[] bias, float[] y, int out, int o0, int o1) {
        int chunk = rowChunk(in);
        for (int r0 = 0; r0 < n; r0 += chunk) {
            int r1 = Math.min(n, r0 + chunk);
            int o = o0;
            for (; o + 4 <= o1; o += 4) {
                int r = r0;
                for (; r + 4 <= r1; r += 4) {
                    bf16Tile4x4(x, in, r, w, o, y, out);
                }
                for (; r < r1; r++) {
                    bf16Tile4x1(x, in, r, w, o, y, out);
                }
            }
            for (; o < o1; o++) {
                for (int r = r0; r < r1; r++) {
                    y[r * out + o] = bf16Dot(x, r * in, w, o * in, in);
                }
            }
        }
        addBias(bias, y, n, out, o0, o1);
    }

    /**
     * Input rows handled per pass over the weights: as many as fit in about 128 KiB, so a long prefill
     * keeps its rows in L2 while the weights stream past, instead of re-reading every row for each
     * block of four weight rows. Decode batches fit in one pass.
     */
    static int rowChunk(int in) {
        return Math.max(4, (32 * 1024 / in) / 4 * 4);
    }

    private static void addBias(float[] bias, float[] y, int n, int out, int o0, int o1) {
        if (bias == null) {
            return;
        }
        for (int r = 0; r < n; r++) {
            int base = r * out;
            for (int o = o0; o < o1; o++) {
                y[base + o] += bias[o];
            }
        }
    }

    static FloatVector widen(short[] w, int offset) {
        return ((IntVector) ShortVector.fromArray(S, w, offset).convertShape(VectorOperators.S2I, I, 0))
                .lanewise(VectorOperators.LSHL, 16)
                .reinterpretAsFloats();
    }

    private static float f32Dot(float[] x, int xo, float[] w, int wo, int in) {
        FloatVector acc = FloatVector.zero(F);
        int kb = F.loopBound(in);
        for (int k = 0; k < kb; k += L) {
            acc = FloatVector.fromArray(F, w, wo + k).fma(FloatVector.fromArray(F, x, xo + k), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (int k = kb; k < in; k++) {
            sum += w[wo + k] * x[xo + k];
        }
        return sum;
    }

    private static float bf16Dot(float[] x, int xo, short[] w, int wo, int in) {
        FloatVector acc = FloatVector.zero(F);
        int kb = F.loopBound(in);
        for (int k = 0; k < kb; k += L) {
            acc = widen(w, wo + k).fma(FloatVector.fromArray(F, x, xo + k), acc);
        }
        float sum = acc.reduceLanes(VectorOperators.ADD);
        for (int k = kb; k < in; k++) {
            sum += Bfloat16.toFloat(w[wo + k]) * x[xo + k];
        }
        return sum;
    }

    private static void f32Tile4x1(float[] x, int in, int r, float[] w, int o, float[] y, int out) {
        int xo = r * in;
        int w0 = o * in, w1 = w0 + in, w2 = w1 + in, w3 = w2 + in;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int kb = F.loopBound(in);
        for (int k = 0; k < kb; k += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + k);
            a0 = FloatVector.fromArray(F, w, w0 + k).fma(v, a0);
            a1 = FloatVector.fromArray(F, w, w1 + k).fma(v, a1);
            a2 = FloatVector.fromArray(F, w, w2 + k).fma(v, a2);
            a3 = FloatVector.fromArray(F, w, w3 + k).fma(v, a3);
        }
        int yo = r * out + o;
        y[yo] = a0.reduceLanes(VectorOperators.ADD) + f32Tail(x, xo, w, w0, kb, in);
        y[yo + 1] = a1.reduceLanes(VectorOperators.ADD) + f32Tail(x, xo, w, w1, kb, in);
        y[yo + 2] = a2.reduceLanes(VectorOperators.ADD) + f32Tail(x, xo, w, w2, kb, in);
        y[yo + 3] = a3.reduceLanes(VectorOperators.ADD) + f32Tail(x, xo, w, w3, kb, in);
    }

    private static void bf16Tile4x1(float[] x, int in, int r, short[] w, int o, float[] y, int out) {
        int xo = r * in;
        int w0 = o * in, w1 = w0 + in, w2 = w1 + in, w3 = w2 + in;
        FloatVector a0 = FloatVector.zero(F), a1 = a0, a2 = a0, a3 = a0;
        int kb = F.loopBound(in);
        for (int k = 0; k < kb; k += L) {
            FloatVector v = FloatVector.fromArray(F, x, xo + k);
            a0 = widen(w, w0 + k).fma(v, a0);
            a1 = widen(w, w1 + k).fma(v, a1);
            a2 = widen(w, w2 + k).fma(v, a2);
            a3 = widen(w, w3 + k).fma(v, a3);
        }
        int yo = r * out + o;
        y[yo] = a0.reduceLanes(VectorOperators.ADD) + bf16Tail(x, xo, w, w0, kb, in);
        y[yo + 1] = a1.reduceLanes(VectorOperators.ADD) + bf16Tail(x, xo, w, w1, kb, in);
        y[yo + 2] = a2.reduceLanes(VectorOperators.ADD) + bf16Tail(x, xo, w, w2, kb, in);
        y[yo + 3] = a3.reduceLanes(VectorOperators.ADD) + bf16Tail(x, xo, w, w3, kb, in);
    }

    private static void f32Tile4x4(float[] x, int in, int r, float[] w, int o, float[] y, int out) {
        int x0 = r * in, x1 = x0 + in, x2 = x1 + in, x3 = x2 + in;
        int w0 = o * in, w1 = w0 + in, w2 = w1 + in, w3 = w2 + in;
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z, a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z, a30 = z, a31 = z, a32 = z, a33 = z;
        int kb = F.loopBound(in);
        for (int k = 0; k < kb; k += L) {
            FloatVector v0 = FloatVector.fromArray(F, x, x0 + k);
            FloatVector v1 = FloatVector.fromArray(F, x, x1 + k);
            FloatVector v2 = FloatVector.fromArray(F, x, x2 + k);
            FloatVector v3 = FloatVector.fromArray(F, x, x3 + k);
            FloatVector u = FloatVector.fromArray(F, w, w0 + k);
            a00 = u.fma(v0, a00); a01 = u.fma(v1, a01); a02 = u.fma(v2, a02); a03 = u.fma(v3, a03);
            u = FloatVector.fromArray(F, w, w1 + k);
            a10 = u.fma(v0, a10); a11 = u.fma(v1, a11); a12 = u.fma(v2, a12); a13 = u.fma(v3, a13);
            u = FloatVector.fromArray(F, w, w2 + k);
            a20 = u.fma(v0, a20); a21 = u.fma(v1, a21); a22 = u.fma(v2, a22); a23 = u.fma(v3, a23);
            u = FloatVector.fromArray(F, w, w3 + k);
            a30 = u.fma(v0, a30); a31 = u.fma(v1, a31); a32 = u.fma(v2, a32); a33 = u.fma(v3, a33);
        }
        store4x4(y, out, r, o, a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33);
        if (kb < in) {
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    y[(r + j) * out + o + i] += f32Tail(x, (r + j) * in, w, (o + i) * in, kb, in);
                }
            }
        }
    }

    private static void bf16Tile4x4(float[] x, int in, int r, short[] w, int o, float[] y, int out) {
        int x0 = r * in, x1 = x0 + in, x2 = x1 + in, x3 = x2 + in;
        int w0 = o * in, w1 = w0 + in, w2 = w1 + in, w3 = w2 + in;
        FloatVector z = FloatVector.zero(F);
        FloatVector a00 = z, a01 = z, a02 = z, a03 = z, a10 = z, a11 = z, a12 = z, a13 = z;
        FloatVector a20 = z, a21 = z, a22 = z, a23 = z, a30 = z, a31 = z, a32 = z, a33 = z;
        int kb = F.loopBound(in);
        for (int k = 0; k < kb; k += L) {
            FloatVector v0 = FloatVector.fromArray(F, x, x0 + k);
            FloatVector v1 = FloatVector.fromArray(F, x, x1 + k);
            FloatVector v2 = FloatVector.fromArray(F, x, x2 + k);
            FloatVector v3 = FloatVector.fromArray(F, x, x3 + k);
            FloatVector u = widen(w, w0 + k);
            a00 = u.fma(v0, a00); a01 = u.fma(v1, a01); a02 = u.fma(v2, a02); a03 = u.fma(v3, a03);
            u = widen(w, w1 + k);
            a10 = u.fma(v0, a10); a11 = u.fma(v1, a11); a12 = u.fma(v2, a12); a13 = u.fma(v3, a13);
            u = widen(w, w2 + k);
            a20 = u.fma(v0, a20); a21 = u.fma(v1, a21); a22 = u.fma(v2, a22); a23 = u.fma(v3, a23);
            u = widen(w, w3 + k);
            a30 = u.fma(v0, a30); a31 = u.fma(v1, a31); a32 = u.fma(v2, a32); a33 = u.fma(v3, a33);
        }
        store4x4(y, out, r, o, a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33);
        if (kb < in) {
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    y[(r + j) * out + o + i] += bf16Tail(x, (r + j) * in, w, (o + i) * in, kb, in);
                }
            }
        }
    }

    /** {@code aIJ} holds weight row {@code o+I} times input row {@code r+J}. */
    private static void store4x4(float[] y, int out, int r, int o,
                                 FloatVector a00, FloatVector a01, FloatVector a02, FloatVector a03,
                                 FloatVector a10, FloatVector a11, FloatVector a12, FloatVector a13,
                                 FloatVector a20, FloatVector a21, FloatVector a22, FloatVector a23,
                                 FloatVector a30, FloatVector a31, FloatVector a32, FloatVector a33) {
        int y0 = r * out + o, y1 = y0 + out, y2 = y1 + out, y3 = y2 + out;
        y[y0] = a00.reduceLanes(VectorOperators.ADD);
        y[y0 + 1] = a10.reduceLanes(VectorOperators.ADD);
        y[y0 + 2] = a20.reduceLanes(VectorOperators.ADD);
        y[y0 + 3] = a30.reduceLanes(VectorOperators.ADD);
        y[y1] = a01.reduceLanes(VectorOperators.ADD);
        y[y1 + 1] = a11.reduceLanes(VectorOperators.ADD);
        y[y1 + 2] = a21.reduceLanes(VectorOperators.ADD);
        y[y1 + 3] = a31.reduceLanes(VectorOperators.ADD);
        y[y2] = a02.reduceLanes(VectorOperators.ADD);
        y[y2 + 1] = a12.reduceLanes(VectorOperators.ADD);
        y[y2 + 2] = a22.reduceLanes(VectorOperators.ADD);
        y[y2 + 3] = a32.reduceLanes(VectorOperators.ADD);
        y[y3] = a03.reduceLanes(VectorOperators.ADD);
        y[y3 + 1] = a13.reduceLanes(VectorOperators.ADD);
        y[y3 + 2] = a23.reduceLanes(VectorOperators.ADD);
        y[y3 + 3] = a33.reduceLanes(VectorOperators.ADD);
    }

    private static float f32Tail(float[] x, int xo, float[] w, int wo, int from, int in) {
        float s = 0;
        for (int k = from; k < in; k++) {
            s += w[wo + k] * x[xo + k];
        }
        return s;
    }

    private static float bf16Tail(float[] x, int xo, short[] w, int wo, int from, int in) {
        float s = 0;
        for (int k = from; k < in; k++) {
            s += Bfloat16.toFloat(w[wo + k]) * x[xo + k];
        }
        return s;
    }
}
