package dev.peftbench.engine.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import static dev.peftbench.engine.tensor.cpu.PackedWeight.BLOCK;
import static dev.peftbench.engine.tensor.cpu.PackedWeight.PANEL;
import static dev.peftbench.engine.tensor.cpu.PackedWeight.SCALE_BYTES;

/**
 * {@code y = x · wᵀ + b} over {@link PackedWeight.Int8 8-bit panels}, accumulating in float32. Each
 * step widens a panel step's bytes to float vectors in registers (sign extension and int-to-float
 * conversion) and multiplies them by broadcast inputs, as the float kernels do. One row keeps a block's
 * sums unscaled and multiplies them by the block's scales once, into running totals; four or eight rows
 * scale the widened weights instead, shared by every row of the tile. So a weight costs one byte of
 * memory traffic and two or three vector instructions of decoding per step.
 */
final class Int8Kernels {

    private static final VectorSpecies<Float> F = LinearKernels.F;
    private static final int L = F.length();
    private static final int CHUNK = PackedWeight.Int8.CHUNK;
    /**
     * From this many rows on (a prefill), a panel is first dequantized to float32 in a per-thread buffer (L2-sized)
     * and the float32 kernels run over it: the decoding is then paid once per panel, not once per eight rows
     * (a 1024x4096 product over 24 rows: 1.94 -> 1.56 ms on one core, against 1.60 ms with bfloat16 weights).
     */
    static final int DEQUANTIZE_ROWS = 16;

    private Int8Kernels() {
    }

    /**
     * Output panels {@code [p0, p1)} of {@code y[n, out]} for all {@code n} rows of {@code x[n, in]}; {@code tail}
     * as in {@link LinearKernels#f32}.
     */
    static void linear(float[] x, int n, int in, PackedWeight.Int8 w, float[] bias, float[] y, int out, int p0, int p1,
                       float[] tail) {
        float[] panel = n >= DEQUANTIZE_ROWS ? LinearKernels.panelBuffer(w.blocks() * BLOCK) : null;
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
        int blocks = w.blocks();
        if (dequantized != null) {
            dequantize(q, blocks, p, in, dequantized);
            LinearKernels.f32Panel(x, n, in, dequantized, 0, y, out, o);
            return;
        }
        int r = 0;
        // Eight or four rows take whole blocks only (every real model's widths): an input size that is not a
        // multiple of 32 goes a row at a time.
        if (in % BLOCK == 0) {
            for (; r + 8 <= n; r += 8) {
                rows8(x, in, r, q, blocks, p, y, out, o);
            }
            for (; r + 4 <= n; r += 4) {
                rows4(x, in, r, q, blocks, p, y, out, o);
            }
        }
        for (; r < n; r++) {
            row(x, in, r, q, blocks, p, y, out, o);
        }
    }

    /** Panel {@code p} as float32 panel steps ({@link PackedWeight.F32}'s layout) in {@code panel}. */
    private static void dequantize(byte[] q, int blocks, int p, int in, float[] panel) {
        int chunk = p * blocks * CHUNK;
        for (int b = 0; b < blocks; b++, chunk += CHUNK) {
            FloatVector lo = PanelBytes.float16s(q, chunk);
            FloatVector hi = PanelBytes.float16s(q, chunk + 2 * L);
            int k0 = b * BLOCK;
            int k1 = Math.min(in, k0 + BLOCK);
            for (int k = k0, at = chunk + SCALE_BYTES; k < k1; k++, at += PANEL) {
                PanelBytes.signed(q, at, 0).mul(lo).intoArray(panel, k * PANEL);
                PanelBytes.signed(q, at, 1).mul(hi).intoArray(panel, k * PANEL + L);
            }
        }
    }

    /*
     * One row (a decode step at batch 1) streams the weights once: whole blocks run a loop of a constant 16 double
     * steps, which C2 unrolls without a bound check per step, into four independent chains; a last partial block (an
     * input size not a multiple of 32) runs apart. With the block's length as the loop bound, the loop kept its checks
     * and moved 7-8 GB/s from memory on one core of the Zen 4 EPYC instead of 14-15 (wall time, loaded machine). Now a
     * core decodes ~18.5 G weights/s, so two cores need about what that VM's memory gives. Every vector stays in this
     * method: a helper that returned one would box it whenever C2 declined to inline it.
     */
    private static void row(float[] x, int in, int r, byte[] q, int blocks, int p, float[] y, int out, int o) {
        FloatVector z = FloatVector.zero(F);
        FloatVector lo = z, hi = z;
        int chunk = p * blocks * CHUNK;
        int whole = in / BLOCK;
        int xk = r * in;
        for (int b = 0; b < whole; b++, chunk += CHUNK, xk += BLOCK) {
            FloatVector a0 = z, a1 = z, c0 = z, c1 = z;
            for (int k = 0; k < BLOCK; k += 2) {
                int at = chunk + SCALE_BYTES + k * PANEL;
                FloatVector v0 = FloatVector.broadcast(F, x[xk + k]);
                FloatVector v1 = FloatVector.broadcast(F, x[xk + k + 1]);
                a0 = PanelBytes.signed(q, at, 0).fma(v0, a0);
                c0 = PanelBytes.signed(q, at, 1).fma(v0, c0);
                a1 = PanelBytes.signed(q, at + PANEL, 0).fma(v1, a1);
                c1 = PanelBytes.signed(q, at + PANEL, 1).fma(v1, c1);
            }
            lo = a0.add(a1).fma(PanelBytes.float16s(q, chunk), lo);
            hi = c0.add(c1).fma(PanelBytes.float16s(q, chunk + 2 * L), hi);
        }
        if (whole < blocks) {
            FloatVector a = z, c = z;
            for (int k = 0, n = in - whole * BLOCK, at = chunk + SCALE_BYTES; k < n; k++, at += PANEL) {
                FloatVector v = FloatVector.broadcast(F, x[xk + k]);
                a = PanelBytes.signed(q, at, 0).fma(v, a);
                c = PanelBytes.signed(q, at, 1).fma(v, c);
            }
            lo = a.fma(PanelBytes.float16s(q, chunk), lo);
            hi = c.fma(PanelBytes.float16s(q, chunk + 2 * L), hi);
        }
        lo.intoArray(y, r * out + o);
        hi.intoArray(y, r * out + o + L);
    }

    /*
     * Four and eight rows: both halves of a step per pass, each widened and multiplied by its rows' scales in registers
     * (exact: a float16 scale times an 8-bit value fits float32's mantissa), so one broadcast input serves 32 outputs as
     * in the bfloat16 kernels. Keeping unscaled block sums instead (one half per pass, scales applied per block) took
     * 1.55x bfloat16's time over 8 rows: twice the broadcasts. Stores stay in these methods: through a helper, C2's
     * inlining budget (NodeCountInliningCutoff) left them as calls and boxed the accumulators (5x slower).
     */
    private static void rows4(float[] x, int in, int r, byte[] q, int blocks, int p, float[] y, int out, int o) {
        int x0 = r * in, x1 = x0 + in, x2 = x1 + in, x3 = x2 + in;
        FloatVector z = FloatVector.zero(F);
        FloatVector a0 = z, b0 = z, a1 = z, b1 = z, a2 = z, b2 = z, a3 = z, b3 = z;
        int chunk = p * blocks * CHUNK;
        for (int b = 0, k0 = 0; b < blocks; b++, chunk += CHUNK, k0 += BLOCK) {
            FloatVector dLo = PanelBytes.float16s(q, chunk);
            FloatVector dHi = PanelBytes.float16s(q, chunk + 2 * L);
            for (int k = k0, at = chunk + SCALE_BYTES; k < k0 + BLOCK; k++, at += PANEL) {
                FloatVector lo = PanelBytes.signed(q, at, 0).mul(dLo);
                FloatVector hi = PanelBytes.signed(q, at, 1).mul(dHi);
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
        }
        int y0 = r * out + o;
        a0.intoArray(y, y0);
        b0.intoArray(y, y0 + L);
        a1.intoArray(y, y0 + out);
        b1.intoArray(y, y0 + out + L);
        a2.intoArray(y, y0 + 2 * out);
        b2.intoArray(y, y0 + 2 * out + L);
        a3.intoArray(y, y0 + 3 * out);
        b3.intoArray(y, y0 + 3 * out + L);
    }

    private static void rows8(float[] x, int in, int r, byte[] q, int blocks, int p, float[] y, int out, int o) {
        int x0 = r * in, x1 = x0 + in, x2 = x1 + in, x3 = x2 + in, x4 = x3 + in, x5 = x4 + in, x6 = x5 + in, x7 = x6 + in;
        FloatVector z = FloatVector.zero(F);
        FloatVector a0 = z, b0 = z, a1 = z, b1 = z, a2 = z, b2 = z, a3 = z, b3 = z;
        FloatVector a4 = z, b4 = z, a5 = z, b5 = z, a6 = z, b6 = z, a7 = z, b7 = z;
        int chunk = p * blocks * CHUNK;
        for (int b = 0, k0 = 0; b < blocks; b++, chunk += CHUNK, k0 += BLOCK) {
            FloatVector dLo = PanelBytes.float16s(q, chunk);
            FloatVector dHi = PanelBytes.float16s(q, chunk + 2 * L);
            for (int k = k0, at = chunk + SCALE_BYTES; k < k0 + BLOCK; k++, at += PANEL) {
                FloatVector lo = PanelBytes.signed(q, at, 0).mul(dLo);
                FloatVector hi = PanelBytes.signed(q, at, 1).mul(dHi);
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
        }
        int y0 = r * out + o;
        a0.intoArray(y, y0);
        b0.intoArray(y, y0 + L);
        a1.intoArray(y, y0 + out);
        b1.intoArray(y, y0 + out + L);
        a2.intoArray(y, y0 + 2 * out);
        b2.intoArray(y, y0 + 2 * out + L);
        a3.intoArray(y, y0 + 3 * out);
        b3.intoArray(y, y0 + 3 * out + L);
        a4.intoArray(y, y0 + 4 * out);
        b4.intoArray(y, y0 + 4 * out + L);
        a5.intoArray(y, y0 + 5 * out);
        b5.intoArray(y, y0 + 5 * out + L);
        a6.intoArray(y, y0 + 6 * out);
        b6.intoArray(y, y0 + 6 * out + L);
        a7.intoArray(y, y0 + 7 * out);
        b7.intoArray(y, y0 + 7 * out + L);
    }
}
