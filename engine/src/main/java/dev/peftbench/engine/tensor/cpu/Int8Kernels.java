package dev.peftbench.engine.tensor.cpu;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import static dev.peftbench.engine.tensor.cpu.PackedWeight.Int8.BLOCK;
import static dev.peftbench.engine.tensor.cpu.PackedWeight.PANEL;

/**
 * {@code y = x · wᵀ + b} over {@link PackedWeight.Int8 8-bit panels}, accumulating in float32. Each
 * step widens one half panel's bytes to a float vector in registers (sign extension and int-to-float
 * conversion) and multiplies it by broadcast inputs, as the float kernels do; the sums of a block stay
 * unscaled and are multiplied by the block's scales once, into running totals. So a weight costs one
 * byte of memory traffic and two vector instructions of decoding per step, shared by every input row
 * of the tile, and no multiplication by its scale.
 */
final class Int8Kernels {

    private static final VectorSpecies<Float> F = LinearKernels.F;
    private static final int L = F.length();
    /** One byte per float lane: a half panel's step. */
    private static final VectorSpecies<Byte> B = VectorSpecies.of(byte.class, VectorShape.forBitSize(L * Byte.SIZE));
    /** Bytes from one block's run of a half panel to the next half's. */
    private static final int RUN = BLOCK * L;
    /**
     * From this many rows on (a prefill), a panel is first dequantized to float32 in a per-thread buffer (L2-sized)
     * and the float32 kernels run over it: the decoding is then paid once per panel, not once per eight rows
     * (a 1024x4096 product over 24 rows: 1.94 -> 1.56 ms on one core, against 1.60 ms with bfloat16 weights).
     */
    static final int DEQUANTIZE_ROWS = 16;
    /**
     * Widest input a panel buffer holds (2 MiB per thread); wider products keep the per-row decoding. The buffer
     * never grows: a branch first taken mid-run would send the compiled kernel back to the interpreter (C2's
     * unstable_if trap), which cost a whole prefill on a busy machine.
     */
    static final int DEQUANTIZE_MAX_IN = 16384;
    private static final ThreadLocal<float[]> PANEL_BUFFER = ThreadLocal.withInitial(() -> new float[PANEL * DEQUANTIZE_MAX_IN]);

    static {
        if (PackedWeight.Int8.HALF != L) {
            throw new IllegalStateException("a half panel of " + PackedWeight.Int8.HALF + " rows must be one vector of " + L);
        }
    }

    private Int8Kernels() {
    }

    /**
     * Output panels {@code [p0, p1)} of {@code y[n, out]} for all {@code n} rows of {@code x[n, in]}; {@code tail}
     * as in {@link LinearKernels#f32}.
     */
    static void linear(float[] x, int n, int in, PackedWeight.Int8 w, float[] bias, float[] y, int out, int p0, int p1,
                       float[] tail) {
        float[] panel = n >= DEQUANTIZE_ROWS && in <= DEQUANTIZE_MAX_IN ? PANEL_BUFFER.get() : null;
        for (int p = p0; p < p1; p++) {
            int o = p * PANEL;
            if (o + PANEL <= out) {
                panel(x, n, in, w, p, panel, y, out, o);
            } else {
                panel(x, n, in, w, p, panel, tail, PANEL, 0);
                LinearKernels.copyTail(tail, n, y, out, o);
            }
        }
        LinearKernels.addBias(bias, y, n, out, p0, p1);
    }

    /** Columns {@code [o, o + PANEL)} of {@code y[n, out]} from panel {@code p}, through {@code dequantized} when not null. */
    private static void panel(float[] x, int n, int in, PackedWeight.Int8 w, int p, float[] dequantized, float[] y, int out,
                              int o) {
        byte[] q = w.data();
        float[] s = w.scales();
        int blocks = w.blocks();
        if (dequantized != null) {
            dequantize(q, s, blocks, p, in, dequantized);
            LinearKernels.f32Panel(x, n, in, dequantized, 0, y, out, o);
            return;
        }
        int r = 0;
        // Eight or four rows: one half panel at a time, so totals and block sums fit the registers.
        for (int h = 0; h < 2; h++) {
            for (r = 0; r + 8 <= n; r += 8) {
                rows8(x, in, r, q, s, blocks, p, h, y, out, o);
            }
            for (; r + 4 <= n; r += 4) {
                rows4(x, in, r, q, s, blocks, p, h, y, out, o);
            }
        }
        for (; r < n; r++) {
            row(x, in, r, q, s, blocks, p, y, out, o);
        }
    }

    /** Panel {@code p} as float32 panel steps ({@link PackedWeight.F32}'s layout) in {@code panel}. */
    private static void dequantize(byte[] q, float[] s, int blocks, int p, int in, float[] panel) {
        int at = p * blocks * 2 * RUN;
        int sAt = p * blocks * PANEL;
        for (int b = 0; b < blocks; b++, at += 2 * RUN, sAt += PANEL) {
            FloatVector lo = FloatVector.fromArray(F, s, sAt);
            FloatVector hi = FloatVector.fromArray(F, s, sAt + L);
            int k0 = b * BLOCK;
            int k1 = Math.min(in, k0 + BLOCK);
            for (int k = k0, wi = at; k < k1; k++, wi += L) {
                widen(q, wi).mul(lo).intoArray(panel, k * PANEL);
                widen(q, wi + RUN).mul(hi).intoArray(panel, k * PANEL + L);
            }
        }
    }

    private static FloatVector widen(byte[] q, int at) {
        return (FloatVector) ByteVector.fromArray(B, q, at).convertShape(VectorOperators.B2F, F, 0);
    }

    /*
     * One row (a decode step at batch 1) is memory-bound: both halves of a block are read side by side (the panel
     * stays one contiguous stream) into four independent chains, enough loads in flight. Every vector stays in
     * this method: a helper that returned one would box it whenever C2 declined to inline it.
     */
    private static void row(float[] x, int in, int r, byte[] q, float[] s, int blocks, int p, float[] y, int out, int o) {
        FloatVector z = FloatVector.zero(F);
        FloatVector lo = z, hi = z;
        int at = p * blocks * 2 * RUN;
        int sAt = p * blocks * PANEL;
        for (int b = 0; b < blocks; b++, at += 2 * RUN, sAt += PANEL) {
            int xk = r * in + b * BLOCK;
            int n = Math.min(BLOCK, in - b * BLOCK);
            FloatVector a0 = z, a1 = z, c0 = z, c1 = z;
            int k = 0;
            int wi = at;
            for (; k + 2 <= n; k += 2, wi += 2 * L) {
                FloatVector v0 = FloatVector.broadcast(F, x[xk + k]);
                FloatVector v1 = FloatVector.broadcast(F, x[xk + k + 1]);
                a0 = widen(q, wi).fma(v0, a0);
                c0 = widen(q, wi + RUN).fma(v0, c0);
                a1 = widen(q, wi + L).fma(v1, a1);
                c1 = widen(q, wi + RUN + L).fma(v1, c1);
            }
            if (k < n) {
                FloatVector v0 = FloatVector.broadcast(F, x[xk + k]);
                a0 = widen(q, wi).fma(v0, a0);
                c0 = widen(q, wi + RUN).fma(v0, c0);
            }
            lo = a0.add(a1).fma(FloatVector.fromArray(F, s, sAt), lo);
            hi = c0.add(c1).fma(FloatVector.fromArray(F, s, sAt + L), hi);
        }
        lo.intoArray(y, r * out + o);
        hi.intoArray(y, r * out + o + L);
    }

    private static void rows4(float[] x, int in, int r, byte[] q, float[] s, int blocks, int p, int h, float[] y, int out,
                              int o) {
        int x0 = r * in, x1 = x0 + in, x2 = x1 + in, x3 = x2 + in;
        FloatVector z = FloatVector.zero(F);
        FloatVector t0 = z, t1 = z, t2 = z, t3 = z;
        int at = (p * blocks * 2 + h) * RUN;
        int sAt = p * blocks * PANEL + h * L;
        for (int b = 0; b < blocks; b++, at += 2 * RUN, sAt += PANEL) {
            int k0 = b * BLOCK;
            int k1 = Math.min(in, k0 + BLOCK);
            FloatVector c0 = z, c1 = z, c2 = z, c3 = z;
            for (int k = k0, wi = at; k < k1; k++, wi += L) {
                FloatVector w = widen(q, wi);
                c0 = w.fma(FloatVector.broadcast(F, x[x0 + k]), c0);
                c1 = w.fma(FloatVector.broadcast(F, x[x1 + k]), c1);
                c2 = w.fma(FloatVector.broadcast(F, x[x2 + k]), c2);
                c3 = w.fma(FloatVector.broadcast(F, x[x3 + k]), c3);
            }
            FloatVector scale = FloatVector.fromArray(F, s, sAt);
            t0 = c0.fma(scale, t0);
            t1 = c1.fma(scale, t1);
            t2 = c2.fma(scale, t2);
            t3 = c3.fma(scale, t3);
        }
        int y0 = r * out + o;
        t0.intoArray(y, y0 + h * L);
        t1.intoArray(y, y0 + out + h * L);
        t2.intoArray(y, y0 + 2 * out + h * L);
        t3.intoArray(y, y0 + 3 * out + h * L);
    }

    private static void rows8(float[] x, int in, int r, byte[] q, float[] s, int blocks, int p, int h, float[] y, int out,
                              int o) {
        int x0 = r * in, x1 = x0 + in, x2 = x1 + in, x3 = x2 + in, x4 = x3 + in, x5 = x4 + in, x6 = x5 + in, x7 = x6 + in;
        FloatVector z = FloatVector.zero(F);
        FloatVector t0 = z, t1 = z, t2 = z, t3 = z, t4 = z, t5 = z, t6 = z, t7 = z;
        int at = (p * blocks * 2 + h) * RUN;
        int sAt = p * blocks * PANEL + h * L;
        for (int b = 0; b < blocks; b++, at += 2 * RUN, sAt += PANEL) {
            int k0 = b * BLOCK;
            int k1 = Math.min(in, k0 + BLOCK);
            FloatVector c0 = z, c1 = z, c2 = z, c3 = z, c4 = z, c5 = z, c6 = z, c7 = z;
            for (int k = k0, wi = at; k < k1; k++, wi += L) {
                FloatVector w = widen(q, wi);
                c0 = w.fma(FloatVector.broadcast(F, x[x0 + k]), c0);
                c1 = w.fma(FloatVector.broadcast(F, x[x1 + k]), c1);
                c2 = w.fma(FloatVector.broadcast(F, x[x2 + k]), c2);
                c3 = w.fma(FloatVector.broadcast(F, x[x3 + k]), c3);
                c4 = w.fma(FloatVector.broadcast(F, x[x4 + k]), c4);
                c5 = w.fma(FloatVector.broadcast(F, x[x5 + k]), c5);
                c6 = w.fma(FloatVector.broadcast(F, x[x6 + k]), c6);
                c7 = w.fma(FloatVector.broadcast(F, x[x7 + k]), c7);
            }
            FloatVector scale = FloatVector.fromArray(F, s, sAt);
            t0 = c0.fma(scale, t0);
            t1 = c1.fma(scale, t1);
            t2 = c2.fma(scale, t2);
            t3 = c3.fma(scale, t3);
            t4 = c4.fma(scale, t4);
            t5 = c5.fma(scale, t5);
            t6 = c6.fma(scale, t6);
            t7 = c7.fma(scale, t7);
        }
        int y0 = r * out + o;
        t0.intoArray(y, y0 + h * L);
        t1.intoArray(y, y0 + out + h * L);
        t2.intoArray(y, y0 + 2 * out + h * L);
        t3.intoArray(y, y0 + 3 * out + h * L);
        t4.intoArray(y, y0 + 4 * out + h * L);
        t5.intoArray(y, y0 + 5 * out + h * L);
        t6.intoArray(y, y0 + 6 * out + h * L);
        t7.intoArray(y, y0 + 7 * out + h * L);
    }
}
