package dev.peftbench.engine.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import static dev.peftbench.engine.tensor.cpu.PackedWeight.PANEL;

/**
 * {@code y = x · wᵀ + b} over {@link PackedWeight panels}. Each panel step is an outer product: the
 * panel's two weight vectors times one broadcast input value per row, accumulated in registers for up
 * to eight input rows (16 accumulators), so a panel is read once per eight rows and a decode step
 * streams the weights exactly once. bfloat16 steps are widened in registers (shift and mask), at half
 * the bytes of float32. Accumulation is float32 throughout. A partial last panel (an output size that
 * is not a multiple of {@link PackedWeight#PANEL}, as a LoRA factor's rank) is computed whole into a
 * scratch {@code tail} and its real columns copied out, so the kernels only ever store whole vectors:
 * with masked stores beside them, C2's compilation of the eight-row kernels hit its inlining node
 * budget (NodeCountInliningCutoff), the stores were left as calls and the accumulators went through
 * boxed vectors (a 1024x4096 product over 8 rows 0.58 -> 8.8 ms), once any partial panel had been seen.
 */
final class LinearKernels {

    static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, F.vectorShape());
    private static final int L = F.length();
    private static final int HIGH_HALF = 0xFFFF0000;

    /**
     * Widest input a panel buffer holds (2 MiB per thread); wider products keep the per-row decoding. The buffer
     * never grows: a branch first taken mid-run would send the compiled kernel back to the interpreter (C2's
     * unstable_if trap), which cost a whole prefill on a busy machine.
     */
    static final int DEQUANTIZE_MAX_IN = 16384;
    private static final ThreadLocal<float[]> PANEL_BUFFER = ThreadLocal.withInitial(() -> new float[PANEL * DEQUANTIZE_MAX_IN]);

    private LinearKernels() {
    }

    /**
     * This thread's buffer for one quantized panel dequantized to float32 ({@link PackedWeight.F32}'s layout) over
     * {@code steps} inputs, or null where {@code steps} exceeds {@link #DEQUANTIZE_MAX_IN}.
     */
    static float[] panelBuffer(int steps) {
        return steps <= DEQUANTIZE_MAX_IN ? PANEL_BUFFER.get() : null;
    }

    /**
     * Output panels {@code [p0, p1)} of {@code y[n, out]} for all {@code n} rows of {@code x[n, in]}; {@code tail}
     * holds {@code n · PANEL} values for a partial last panel (null when {@code out} is whole panels).
     */
    static void f32(float[] x, int n, int in, float[] w, float[] bias, float[] y, int out, int p0, int p1, float[] tail) {
        for (int p = p0; p < p1; p++) {
            int o = p * PANEL;
            if (o + PANEL <= out) {
                f32Panel(x, n, in, w, p * PANEL * in, y, out, o);
            } else {
                f32Panel(x, n, in, w, p * PANEL * in, tail, PANEL, 0);
                copyTail(tail, n, y, out, o);
            }
        }
        addBias(bias, y, n, out, p0, p1);
    }

    /** Output columns {@code [o, o + PANEL)} of {@code y[n, out]} from the float32 panel at {@code w[base..]}. */
    static void f32Panel(float[] x, int n, int in, float[] w, int base, float[] y, int out, int o) {
        int r = 0;
        for (; r + 8 <= n; r += 8) {
            f32Rows8(x, in, r, w, base, y, out, o);
        }
        for (; r + 4 <= n; r += 4) {
            f32Rows4(x, in, r, w, base, y, out, o);
        }
        for (; r < n; r++) {
            f32Row(x, in, r, w, base, y, out, o);
        }
    }

    static void bf16(float[] x, int n, int in, short[] w, float[] bias, float[] y, int out, int p0, int p1, float[] tail) {
        for (int p = p0; p < p1; p++) {
            int o = p * PANEL;
            if (o + PANEL <= out) {
                bf16Panel(x, n, in, w, p * PANEL * in, y, out, o);
            } else {
                bf16Panel(x, n, in, w, p * PANEL * in, tail, PANEL, 0);
                copyTail(tail, n, y, out, o);
            }
        }
        addBias(bias, y, n, out, p0, p1);
    }

    private static void bf16Panel(float[] x, int n, int in, short[] w, int base, float[] y, int out, int o) {
        int r = 0;
        for (; r + 8 <= n; r += 8) {
            bf16Rows8(x, in, r, w, base, y, out, o);
        }
        for (; r + 4 <= n; r += 4) {
            bf16Rows4(x, in, r, w, base, y, out, o);
        }
        for (; r < n; r++) {
            bf16Row(x, in, r, w, base, y, out, o);
        }
    }

    /** The real columns {@code [o, out)} of a partial last panel, computed into {@code tail[n, PANEL]}. */
    static void copyTail(float[] tail, int n, float[] y, int out, int o) {
        for (int r = 0; r < n; r++) {
            System.arraycopy(tail, r * PANEL, y, r * out + o, out - o);
        }
    }

    static void addBias(float[] bias, float[] y, int n, int out, int p0, int p1) {
        if (bias == null) {
            return;
        }
        int o0 = p0 * PANEL;
        int o1 = Math.min(out, p1 * PANEL);
        for (int r = 0; r < n; r++) {
            int base = r * out;
            for (int o = o0; o < o1; o++) {
                y[base + o] += bias[o];
            }
        }
    }

    /** The first half of a bfloat16 step's rows: the low 16 bits of each lane, shifted into place. */
    private static FloatVector low(IntVector bits) {
        return bits.lanewise(VectorOperators.LSHL, 16).reinterpretAsFloats();
    }

    private static FloatVector high(IntVector bits) {
        return bits.and(HIGH_HALF).reinterpretAsFloats();
    }

    private static IntVector step(short[] w, int at) {
        return ShortVector.fromArray(S, w, at).reinterpretAsInts();
    }

    private static void store(float[] y, int at, FloatVector lo, FloatVector hi) {
        lo.intoArray(y, at);
        hi.intoArray(y, at + L);
    }

    /*
     * The one-row kernels (a decode step at batch 1) are memory-bound: four independent chains per half
     * keep enough loads in flight. Their size matters too: above C2's FreqInlineSize (325 bytecodes) they
     * are compiled on their own rather than inlined into the panel loop, which measured 37 against 28
     * tokens/s for the whole decode step on the 2-core machine.
     */
    private static void f32Row(float[] x, int in, int r, float[] w, int base, float[] y, int out, int o) {
        int x0 = r * in;
        FloatVector z = FloatVector.zero(F);
        FloatVector a0 = z, b0 = z, a1 = z, b1 = z, a2 = z, b2 = z, a3 = z, b3 = z;
        int k = 0;
        int wi = base;
        for (; k + 4 <= in; k += 4, wi += 4 * PANEL) {
            FloatVector v = FloatVector.broadcast(F, x[x0 + k]);
            a0 = FloatVector.fromArray(F, w, wi).fma(v, a0);
            b0 = FloatVector.fromArray(F, w, wi + L).fma(v, b0);
            v = FloatVector.broadcast(F, x[x0 + k + 1]);
            a1 = FloatVector.fromArray(F, w, wi + PANEL).fma(v, a1);
            b1 = FloatVector.fromArray(F, w, wi + PANEL + L).fma(v, b1);
            v = FloatVector.broadcast(F, x[x0 + k + 2]);
            a2 = FloatVector.fromArray(F, w, wi + 2 * PANEL).fma(v, a2);
            b2 = FloatVector.fromArray(F, w, wi + 2 * PANEL + L).fma(v, b2);
            v = FloatVector.broadcast(F, x[x0 + k + 3]);
            a3 = FloatVector.fromArray(F, w, wi + 3 * PANEL).fma(v, a3);
            b3 = FloatVector.fromArray(F, w, wi + 3 * PANEL + L).fma(v, b3);
        }
        for (; k < in; k++, wi += PANEL) {
            FloatVector v = FloatVector.broadcast(F, x[x0 + k]);
            a0 = FloatVector.fromArray(F, w, wi).fma(v, a0);
            b0 = FloatVector.fromArray(F, w, wi + L).fma(v, b0);
        }
        store(y, r * out + o, a0.add(a1).add(a2.add(a3)), b0.add(b1).add(b2.add(b3)));
    }

    private static void bf16Row(float[] x, int in, int r, short[] w, int base, float[] y, int out, int o) {
        int x0 = r * in;
        FloatVector z = FloatVector.zero(F);
        FloatVector a0 = z, b0 = z, a1 = z, b1 = z, a2 = z, b2 = z, a3 = z, b3 = z;
        int k = 0;
        int wi = base;
        for (; k + 4 <= in; k += 4, wi += 4 * PANEL) {
            IntVector bits = step(w, wi);
            FloatVector v = FloatVector.broadcast(F, x[x0 + k]);
            a0 = low(bits).fma(v, a0);
            b0 = high(bits).fma(v, b0);
            bits = step(w, wi + PANEL);
            v = FloatVector.broadcast(F, x[x0 + k + 1]);
            a1 = low(bits).fma(v, a1);
            b1 = high(bits).fma(v, b1);
            bits = step(w, wi + 2 * PANEL);
            v = FloatVector.broadcast(F, x[x0 + k + 2]);
            a2 = low(bits).fma(v, a2);
            b2 = high(bits).fma(v, b2);
            bits = step(w, wi + 3 * PANEL);
            v = FloatVector.broadcast(F, x[x0 + k + 3]);
            a3 = low(bits).fma(v, a3);
            b3 = high(bits).fma(v, b3);
        }
        for (; k < in; k++, wi += PANEL) {
            IntVector bits = step(w, wi);
            FloatVector v = FloatVector.broadcast(F, x[x0 + k]);
            a0 = low(bits).fma(v, a0);
            b0 = high(bits).fma(v, b0);
        }
        store(y, r * out + o, a0.add(a1).add(a2.add(a3)), b0.add(b1).add(b2.add(b3)));
    }

    private static void f32Rows4(float[] x, int in, int r, float[] w, int base, float[] y, int out, int o) {
        int x0 = r * in, x1 = x0 + in, x2 = x1 + in, x3 = x2 + in;
        FloatVector z = FloatVector.zero(F);
        FloatVector a0 = z, b0 = z, a1 = z, b1 = z, a2 = z, b2 = z, a3 = z, b3 = z;
        for (int k = 0, wi = base; k < in; k++, wi += PANEL) {
            FloatVector lo = FloatVector.fromArray(F, w, wi);
            FloatVector hi = FloatVector.fromArray(F, w, wi + L);
            FloatVector v = FloatVector.broadcast(F, x[x0 + k]);
            a0 = lo.fma(v, a0);
            b0 = hi.fma(v, b0);
            v = FloatVector.broadcast(F, x[x1 + k]);
            a1 = lo.fma(v, a1);
            b1 = hi.fma(v, b1);
            v = FloatVector.broadcast(F, x[x2 + k]);
            a2 = lo.fma(v, a2);
            b2 = hi.fma(v, b2);
            v = FloatVector.broadcast(F, x[x3 + k]);
            a3 = lo.fma(v, a3);
            b3 = hi.fma(v, b3);
        }
        int y0 = r * out + o;
        store(y, y0, a0, b0);
        store(y, y0 + out, a1, b1);
        store(y, y0 + 2 * out, a2, b2);
        store(y, y0 + 3 * out, a3, b3);
    }

    private static void bf16Rows4(float[] x, int in, int r, short[] w, int base, float[] y, int out, int o) {
        int x0 = r * in, x1 = x0 + in, x2 = x1 + in, x3 = x2 + in;
        FloatVector z = FloatVector.zero(F);
        FloatVector a0 = z, b0 = z, a1 = z, b1 = z, a2 = z, b2 = z, a3 = z, b3 = z;
        for (int k = 0, wi = base; k < in; k++, wi += PANEL) {
            IntVector bits = step(w, wi);
            FloatVector lo = low(bits);
            FloatVector hi = high(bits);
            FloatVector v = FloatVector.broadcast(F, x[x0 + k]);
            a0 = lo.fma(v, a0);
            b0 = hi.fma(v, b0);
            v = FloatVector.broadcast(F, x[x1 + k]);
            a1 = lo.fma(v, a1);
            b1 = hi.fma(v, b1);
            v = FloatVector.broadcast(F, x[x2 + k]);
            a2 = lo.fma(v, a2);
            b2 = hi.fma(v, b2);
            v = FloatVector.broadcast(F, x[x3 + k]);
            a3 = lo.fma(v, a3);
            b3 = hi.fma(v, b3);
        }
        int y0 = r * out + o;
        store(y, y0, a0, b0);
        store(y, y0 + out, a1, b1);
        store(y, y0 + 2 * out, a2, b2);
        store(y, y0 + 3 * out, a3, b3);
    }

    private static void f32Rows8(float[] x, int in, int r, float[] w, int base, float[] y, int out, int o) {
        int x0 = r * in, x1 = x0 + in, x2 = x1 + in, x3 = x2 + in, x4 = x3 + in, x5 = x4 + in, x6 = x5 + in, x7 = x6 + in;
        FloatVector z = FloatVector.zero(F);
        FloatVector a0 = z, b0 = z, a1 = z, b1 = z, a2 = z, b2 = z, a3 = z, b3 = z;
        FloatVector a4 = z, b4 = z, a5 = z, b5 = z, a6 = z, b6 = z, a7 = z, b7 = z;
        for (int k = 0, wi = base; k < in; k++, wi += PANEL) {
            FloatVector lo = FloatVector.fromArray(F, w, wi);
            FloatVector hi = FloatVector.fromArray(F, w, wi + L);
            FloatVector v = FloatVector.broadcast(F, x[x0 + k]);
            a0 = lo.fma(v, a0);
            b0 = hi.fma(v, b0);
            v = FloatVector.broadcast(F, x[x1 + k]);
            a1 = lo.fma(v, a1);
            b1 = hi.fma(v, b1);
            v = FloatVector.broadcast(F, x[x2 + k]);
            a2 = lo.fma(v, a2);
            b2 = hi.fma(v, b2);
            v = FloatVector.broadcast(F, x[x3 + k]);
            a3 = lo.fma(v, a3);
            b3 = hi.fma(v, b3);
            v = FloatVector.broadcast(F, x[x4 + k]);
            a4 = lo.fma(v, a4);
            b4 = hi.fma(v, b4);
            v = FloatVector.broadcast(F, x[x5 + k]);
            a5 = lo.fma(v, a5);
            b5 = hi.fma(v, b5);
            v = FloatVector.broadcast(F, x[x6 + k]);
            a6 = lo.fma(v, a6);
            b6 = hi.fma(v, b6);
            v = FloatVector.broadcast(F, x[x7 + k]);
            a7 = lo.fma(v, a7);
            b7 = hi.fma(v, b7);
        }
        int y0 = r * out + o;
        store(y, y0, a0, b0);
        store(y, y0 + out, a1, b1);
        store(y, y0 + 2 * out, a2, b2);
        store(y, y0 + 3 * out, a3, b3);
        store(y, y0 + 4 * out, a4, b4);
        store(y, y0 + 5 * out, a5, b5);
        store(y, y0 + 6 * out, a6, b6);
        store(y, y0 + 7 * out, a7, b7);
    }

    private static void bf16Rows8(float[] x, int in, int r, short[] w, int base, float[] y, int out, int o) {
        int x0 = r * in, x1 = x0 + in, x2 = x1 + in, x3 = x2 + in, x4 = x3 + in, x5 = x4 + in, x6 = x5 + in, x7 = x6 + in;
        FloatVector z = FloatVector.zero(F);
        FloatVector a0 = z, b0 = z, a1 = z, b1 = z, a2 = z, b2 = z, a3 = z, b3 = z;
        FloatVector a4 = z, b4 = z, a5 = z, b5 = z, a6 = z, b6 = z, a7 = z, b7 = z;
        for (int k = 0, wi = base; k < in; k++, wi += PANEL) {
            IntVector bits = step(w, wi);
            FloatVector lo = low(bits);
            FloatVector hi = high(bits);
            FloatVector v = FloatVector.broadcast(F, x[x0 + k]);
            a0 = lo.fma(v, a0);
            b0 = hi.fma(v, b0);
            v = FloatVector.broadcast(F, x[x1 + k]);
            a1 = lo.fma(v, a1);
            b1 = hi.fma(v, b1);
            v = FloatVector.broadcast(F, x[x2 + k]);
            a2 = lo.fma(v, a2);
            b2 = hi.fma(v, b2);
            v = FloatVector.broadcast(F, x[x3 + k]);
            a3 = lo.fma(v, a3);
            b3 = hi.fma(v, b3);
            v = FloatVector.broadcast(F, x[x4 + k]);
            a4 = lo.fma(v, a4);
            b4 = hi.fma(v, b4);
            v = FloatVector.broadcast(F, x[x5 + k]);
            a5 = lo.fma(v, a5);
            b5 = hi.fma(v, b5);
            v = FloatVector.broadcast(F, x[x6 + k]);
            a6 = lo.fma(v, a6);
            b6 = hi.fma(v, b6);
            v = FloatVector.broadcast(F, x[x7 + k]);
            a7 = lo.fma(v, a7);
            b7 = hi.fma(v, b7);
        }
        int y0 = r * out + o;
        store(y, y0, a0, b0);
        store(y, y0 + out, a1, b1);
        store(y, y0 + 2 * out, a2, b2);
        store(y, y0 + 3 * out, a3, b3);
        store(y, y0 + 4 * out, a4, b4);
        store(y, y0 + 5 * out, a5, b5);
        store(y, y0 + 6 * out, a6, b6);
        store(y, y0 + 7 * out, a7, b7);
    }
}
