package dev.peftbench.engine.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

import static dev.peftbench.engine.tensor.cpu.PackedWeight.BLOCK;
import static dev.peftbench.engine.tensor.cpu.PackedWeight.PANEL;
import static dev.peftbench.engine.tensor.cpu.PackedWeight.SCALE_BYTES;

/**
 * int8's previous one-row kernel, kept to weigh {@link Int8Kernels}' integer one against on other CPUs: each step's
 * bytes widened to float32 (sign extension, int-to-float conversion) and multiplied by the unquantized input, block
 * sums scaled once per block. Whole blocks only (the benchmark's shapes).
 */
final class Int8FloatRow {

    private static final VectorSpecies<Float> F = LinearKernels.F;
    private static final int L = F.length();
    private static final int CHUNK = PackedWeight.Int8.CHUNK;

    private Int8FloatRow() {
    }

    /** One row: output panels {@code [p0, p1)} of {@code y[1, out]} (whole panels). */
    static void linear(float[] x, int in, PackedWeight.Int8 w, float[] y, int p0, int p1) {
        for (int p = p0; p < p1; p++) {
            row(x, in, w.data(), w.blocks(), p, y, p * PANEL);
        }
    }

    private static void row(float[] x, int in, byte[] q, int blocks, int p, float[] y, int at) {
        FloatVector z = FloatVector.zero(F);
        FloatVector lo = z, hi = z;
        int chunk = p * blocks * CHUNK;
        int whole = in / BLOCK;
        for (int b = 0, xk = 0; b < whole; b++, chunk += CHUNK, xk += BLOCK) {
            FloatVector a0 = z, a1 = z, c0 = z, c1 = z;
            for (int k = 0; k < BLOCK; k += 2) {
                int s = chunk + SCALE_BYTES + k * PANEL;
                FloatVector v0 = FloatVector.broadcast(F, x[xk + k]);
                FloatVector v1 = FloatVector.broadcast(F, x[xk + k + 1]);
                a0 = PanelBytes.signed(q, s, 0).fma(v0, a0);
                c0 = PanelBytes.signed(q, s, 1).fma(v0, c0);
                a1 = PanelBytes.signed(q, s + PANEL, 0).fma(v1, a1);
                c1 = PanelBytes.signed(q, s + PANEL, 1).fma(v1, c1);
            }
            lo = a0.add(a1).fma(PanelBytes.float16s(q, chunk), lo);
            hi = c0.add(c1).fma(PanelBytes.float16s(q, chunk + 2 * L), hi);
        }
        lo.intoArray(y, at);
        hi.intoArray(y, at + L);
    }
}
