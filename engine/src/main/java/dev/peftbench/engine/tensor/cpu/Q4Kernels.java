package dev.peftbench.engine.tensor.cpu;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import static dev.peftbench.engine.tensor.cpu.PackedWeight.BLOCK;
import static dev.peftbench.engine.tensor.cpu.PackedWeight.PANEL;
import static dev.peftbench.engine.tensor.cpu.PackedWeight.SCALE_BYTES;

/**
 * {@code y = x · wᵀ + b} over {@link PackedWeight.Q4 4-bit panels}. A decode row (fewer than
 * {@link #DEQUANTIZE_ROWS} rows) is quantized to 8 bits per block of 32 inputs first, as llama.cpp quantizes the
 * activations of every q4_0 product (ggml's q8_0; here with a float32 scale), and multiplied in integers: a step's
 * {@link PackedWeight#PANEL} bytes widen to 16-bit lanes, their low and high four bits times the input's 8-bit value
 * add up exactly in 16 bits for a half block (16 products of at most 15 · 127), and each block's sums are widened,
 * offset ({@code n - 8}: minus 8 times the block's input sum), converted and scaled once. That is about ten vector
 * instructions per 64 weights (a widening, a mask, a shift, two input broadcasts, two multiplies, two adds),
 * against twelve for widening int8's 64 bytes to float32: on one Zen 4 core 0.030 against 0.054 ns per weight. Four
 * to fifteen rows decode each step in registers to float32, shared by a tile of eight or four rows (as int8's tiles
 * do); sixteen or more dequantize each panel once into a per-thread buffer and run the float32 kernels over it. Both
 * use the unquantized inputs.
 */
final class Q4Kernels {

    private static final VectorSpecies<Float> F = LinearKernels.F;
    private static final int L = F.length();
    /** One panel step: a byte per row. */
    private static final VectorSpecies<Byte> STEP = VectorSpecies.of(byte.class, VectorShape.forBitSize(PANEL * Byte.SIZE));
    /** A panel step widened: a 16-bit lane per row. */
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, F.vectorShape());
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int CHUNK = PackedWeight.Q4.CHUNK;
    private static final int HALF_BLOCK = BLOCK / 2;
    /** From this many rows on, weights are decoded to float32 once per product or tile (the rows then share it). */
    static final int DEQUANTIZE_ROWS = 4;
    /** From this many rows on, each panel is dequantized to a buffer once and the float32 kernels run over it. */
    static final int BUFFER_ROWS = 16;
    private static final ThreadLocal<QuantizedRow> ROW = ThreadLocal.withInitial(QuantizedRow::new);

    private Q4Kernels() {
    }

    /** Output panels {@code [p0, p1)} of {@code y[n, out]} for all {@code n} rows of {@code x[n, in]}; {@code tail} as in {@link LinearKernels#f32}. */
    static void linear(float[] x, int n, int in, PackedWeight.Q4 w, float[] bias, float[] y, int out, int p0, int p1,
                       float[] tail) {
        byte[] q = w.data();
        int blocks = w.blocks();
        // Tiles decode in registers over whole blocks; many rows, and input widths not a multiple of 32, use the buffer.
        float[] panel = n >= BUFFER_ROWS || (n >= DEQUANTIZE_ROWS && in % BLOCK != 0)
                ? LinearKernels.panelBuffer(blocks * BLOCK) : null;
        if (panel != null) {
            for (int p = p0; p < p1; p++) {
                int o = p * PANEL;
                dequantize(q, blocks, p, panel);
                if (o + PANEL <= out) {
                    LinearKernels.f32Panel(x, n, in, panel, 0, y, out, o);
                } else {
                    LinearKernels.f32Panel(x, n, in, panel, 0, tail, PANEL, 0);
                    LinearKernels.copyTail(tail, n, y, out, o);
                }
            }
        } else if (n >= DEQUANTIZE_ROWS && in % BLOCK == 0) {
            for (int p = p0; p < p1; p++) {
                int o = p * PANEL;
                float[] to = o + PANEL <= out ? y : tail;
                int width = o + PANEL <= out ? out : PANEL;
                int at = o + PANEL <= out ? o : 0;
                int r = 0;
                for (; r + 8 <= n; r += 8) {
                    rows8(x, in, r, q, blocks, p, to, width, at);
                }
                for (; r + 4 <= n; r += 4) {
                    rows4(x, in, r, q, blocks, p, to, width, at);
                }
                if (r < n) {
                    // The last one to three rows with the three before them, which come out the same again.
                    rows4(x, in, n - 4, q, blocks, p, to, width, at);
                }
                if (to == tail) {
                    LinearKernels.copyTail(tail, n, y, out, o);
                }
            }
        } else {
            QuantizedRow row = ROW.get();
            for (int r = 0; r < n; r++) {
                row.quantize(x, r * in, in, blocks);
                for (int p = p0; p < p1; p++) {
                    int o = p * PANEL;
                    if (o + PANEL <= out) {
                        row(row.values, row.scales, row.sums, q, blocks, p, y, r * out + o);
                    } else {
                        row(row.values, row.scales, row.sums, q, blocks, p, tail, 0);
                        System.arraycopy(tail, 0, y, r * out + o, out - o);
                    }
                }
            }
        }
        LinearKernels.addBias(bias, y, n, out, p0, p1);
    }

    /** Panel {@code p} as float32 panel steps ({@link PackedWeight.F32}'s layout, whole blocks) in {@code panel}. */
    private static void dequantize(byte[] q, int blocks, int p, float[] panel) {
        int chunk = p * blocks * CHUNK;
        for (int b = 0; b < blocks; b++, chunk += CHUNK) {
            FloatVector lo = PanelBytes.float16s(q, chunk);
            FloatVector hi = PanelBytes.float16s(q, chunk + 2 * L);
            for (int k = 0, at = chunk + SCALE_BYTES, to = b * BLOCK * PANEL; k < HALF_BLOCK; k++, at += PANEL, to += PANEL) {
                // Lane i: row i's byte in bits 0-7, row i + L's in bits 16-23.
                IntVector pair = step(q, at).reinterpretAsInts();
                level(pair.and(0xF)).mul(lo).intoArray(panel, to);
                level(pair.lanewise(VectorOperators.LSHR, 4).and(0xF)).mul(lo).intoArray(panel, to + HALF_BLOCK * PANEL);
                level(pair.lanewise(VectorOperators.LSHR, 16).and(0xF)).mul(hi).intoArray(panel, to + L);
                level(pair.lanewise(VectorOperators.LSHR, 20)).mul(hi).intoArray(panel, to + HALF_BLOCK * PANEL + L);
            }
        }
    }

    /** The step at {@code at}, each byte zero-extended to a 16-bit lane. */
    private static ShortVector step(byte[] q, int at) {
        return (ShortVector) ByteVector.fromArray(STEP, q, at).convertShape(VectorOperators.ZERO_EXTEND_B2S, S, 0);
    }

    private static FloatVector level(IntVector n) {
        return (FloatVector) n.sub(8).convert(VectorOperators.I2F, 0);
    }

    /** {@code n} as float32, for {@code n · d - 8d} in one fused multiply-add. */
    private static FloatVector unsigned(IntVector n) {
        return (FloatVector) n.convert(VectorOperators.I2F, 0);
    }

    /**
     * Panel {@code p}'s {@link PackedWeight#PANEL} outputs for one quantized input row, into {@code y[at..]}: per block
     * the low four bits of each step times input {@code k}, the high four bits times input {@code k + 16}, in 16-bit
     * lanes; read as 32-bit lanes, a sum's low half is row {@code i}'s, its high half row {@code i + L}'s.
     */
    private static void row(short[] xq, float[] xScale, int[] xSum, byte[] q, int blocks, int p, float[] y, int at) {
        FloatVector lo = FloatVector.zero(F);
        FloatVector hi = lo;
        ShortVector zero = ShortVector.zero(S);
        // Constants as vectors made here: with scalar operands C2 rebuilt the mask and the shift count every step.
        ShortVector mask = ShortVector.broadcast(S, (short) 0xF);
        ShortVector four = ShortVector.broadcast(S, (short) 4);
        int chunk = p * blocks * CHUNK;
        for (int b = 0, xk = 0; b < blocks; b++, chunk += CHUNK, xk += BLOCK) {
            ShortVector low = zero, high = zero;
            for (int k = 0; k < HALF_BLOCK; k++) {
                ShortVector n = step(q, chunk + SCALE_BYTES + k * PANEL);
                low = n.and(mask).mul(xq[xk + k]).add(low);
                high = n.lanewise(VectorOperators.LSHR, four).mul(xq[xk + k + HALF_BLOCK]).add(high);
            }
            IntVector l = low.reinterpretAsInts();
            IntVector h = high.reinterpretAsInts();
            IntVector offset = IntVector.broadcast(I, 8 * xSum[b]);
            IntVector first = l.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)
                    .add(h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16)).sub(offset);
            IntVector second = l.lanewise(VectorOperators.ASHR, 16).add(h.lanewise(VectorOperators.ASHR, 16)).sub(offset);
            float scale = xScale[b];
            lo = ((FloatVector) first.convert(VectorOperators.I2F, 0)).fma(PanelBytes.float16s(q, chunk).mul(scale), lo);
            hi = ((FloatVector) second.convert(VectorOperators.I2F, 0)).fma(PanelBytes.float16s(q, chunk + 2 * L).mul(scale), hi);
        }
        lo.intoArray(y, at);
        hi.intoArray(y, at + L);
    }

    /*
     * Four and eight rows: each step's bytes give four float vectors (both halves of the panel, inputs k and k + 16),
     * (n - 8) · d computed as one fused multiply-add (exact: a float16 scale times a 4-bit level fits float32), shared
     * by every row of the tile. Stores stay in these methods (see Int8Kernels).
     */
    private static void rows8(float[] x, int in, int r, byte[] q, int blocks, int p, float[] y, int out, int o) {
        int x0 = r * in, x1 = x0 + in, x2 = x1 + in, x3 = x2 + in, x4 = x3 + in, x5 = x4 + in, x6 = x5 + in, x7 = x6 + in;
        FloatVector z = FloatVector.zero(F);
        FloatVector a0 = z, b0 = z, a1 = z, b1 = z, a2 = z, b2 = z, a3 = z, b3 = z;
        FloatVector a4 = z, b4 = z, a5 = z, b5 = z, a6 = z, b6 = z, a7 = z, b7 = z;
        IntVector mask = IntVector.broadcast(I, 0xF);
        int chunk = p * blocks * CHUNK;
        for (int b = 0, k0 = 0; b < blocks; b++, chunk += CHUNK, k0 += BLOCK) {
            FloatVector dLo = PanelBytes.float16s(q, chunk);
            FloatVector dHi = PanelBytes.float16s(q, chunk + 2 * L);
            FloatVector offLo = dLo.mul(-8f);
            FloatVector offHi = dHi.mul(-8f);
            for (int k = k0, at = chunk + SCALE_BYTES; k < k0 + HALF_BLOCK; k++, at += PANEL) {
                IntVector pair = step(q, at).reinterpretAsInts();
                FloatVector lo = unsigned(pair.and(mask)).fma(dLo, offLo);
                FloatVector hi = unsigned(pair.lanewise(VectorOperators.LSHR, 16).and(mask)).fma(dHi, offHi);
                FloatVector lo2 = unsigned(pair.lanewise(VectorOperators.LSHR, 4).and(mask)).fma(dLo, offLo);
                FloatVector hi2 = unsigned(pair.lanewise(VectorOperators.LSHR, 20)).fma(dHi, offHi);
                FloatVector v = FloatVector.broadcast(F, x[x0 + k]);
                FloatVector v2 = FloatVector.broadcast(F, x[x0 + k + HALF_BLOCK]);
                a0 = lo2.fma(v2, lo.fma(v, a0));
                b0 = hi2.fma(v2, hi.fma(v, b0));
                v = FloatVector.broadcast(F, x[x1 + k]);
                v2 = FloatVector.broadcast(F, x[x1 + k + HALF_BLOCK]);
                a1 = lo2.fma(v2, lo.fma(v, a1));
                b1 = hi2.fma(v2, hi.fma(v, b1));
                v = FloatVector.broadcast(F, x[x2 + k]);
                v2 = FloatVector.broadcast(F, x[x2 + k + HALF_BLOCK]);
                a2 = lo2.fma(v2, lo.fma(v, a2));
                b2 = hi2.fma(v2, hi.fma(v, b2));
                v = FloatVector.broadcast(F, x[x3 + k]);
                v2 = FloatVector.broadcast(F, x[x3 + k + HALF_BLOCK]);
                a3 = lo2.fma(v2, lo.fma(v, a3));
                b3 = hi2.fma(v2, hi.fma(v, b3));
                v = FloatVector.broadcast(F, x[x4 + k]);
                v2 = FloatVector.broadcast(F, x[x4 + k + HALF_BLOCK]);
                a4 = lo2.fma(v2, lo.fma(v, a4));
                b4 = hi2.fma(v2, hi.fma(v, b4));
                v = FloatVector.broadcast(F, x[x5 + k]);
                v2 = FloatVector.broadcast(F, x[x5 + k + HALF_BLOCK]);
                a5 = lo2.fma(v2, lo.fma(v, a5));
                b5 = hi2.fma(v2, hi.fma(v, b5));
                v = FloatVector.broadcast(F, x[x6 + k]);
                v2 = FloatVector.broadcast(F, x[x6 + k + HALF_BLOCK]);
                a6 = lo2.fma(v2, lo.fma(v, a6));
                b6 = hi2.fma(v2, hi.fma(v, b6));
                v = FloatVector.broadcast(F, x[x7 + k]);
                v2 = FloatVector.broadcast(F, x[x7 + k + HALF_BLOCK]);
                a7 = lo2.fma(v2, lo.fma(v, a7));
                b7 = hi2.fma(v2, hi.fma(v, b7));
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

    private static void rows4(float[] x, int in, int r, byte[] q, int blocks, int p, float[] y, int out, int o) {
        int x0 = r * in, x1 = x0 + in, x2 = x1 + in, x3 = x2 + in;
        FloatVector z = FloatVector.zero(F);
        FloatVector a0 = z, b0 = z, a1 = z, b1 = z, a2 = z, b2 = z, a3 = z, b3 = z;
        IntVector mask = IntVector.broadcast(I, 0xF);
        int chunk = p * blocks * CHUNK;
        for (int b = 0, k0 = 0; b < blocks; b++, chunk += CHUNK, k0 += BLOCK) {
            FloatVector dLo = PanelBytes.float16s(q, chunk);
            FloatVector dHi = PanelBytes.float16s(q, chunk + 2 * L);
            FloatVector offLo = dLo.mul(-8f);
            FloatVector offHi = dHi.mul(-8f);
            for (int k = k0, at = chunk + SCALE_BYTES; k < k0 + HALF_BLOCK; k++, at += PANEL) {
                IntVector pair = step(q, at).reinterpretAsInts();
                FloatVector lo = unsigned(pair.and(mask)).fma(dLo, offLo);
                FloatVector hi = unsigned(pair.lanewise(VectorOperators.LSHR, 16).and(mask)).fma(dHi, offHi);
                FloatVector lo2 = unsigned(pair.lanewise(VectorOperators.LSHR, 4).and(mask)).fma(dLo, offLo);
                FloatVector hi2 = unsigned(pair.lanewise(VectorOperators.LSHR, 20)).fma(dHi, offHi);
                FloatVector v = FloatVector.broadcast(F, x[x0 + k]);
                FloatVector v2 = FloatVector.broadcast(F, x[x0 + k + HALF_BLOCK]);
                a0 = lo2.fma(v2, lo.fma(v, a0));
                b0 = hi2.fma(v2, hi.fma(v, b0));
                v = FloatVector.broadcast(F, x[x1 + k]);
                v2 = FloatVector.broadcast(F, x[x1 + k + HALF_BLOCK]);
                a1 = lo2.fma(v2, lo.fma(v, a1));
                b1 = hi2.fma(v2, hi.fma(v, b1));
                v = FloatVector.broadcast(F, x[x2 + k]);
                v2 = FloatVector.broadcast(F, x[x2 + k + HALF_BLOCK]);
                a2 = lo2.fma(v2, lo.fma(v, a2));
                b2 = hi2.fma(v2, hi.fma(v, b2));
                v = FloatVector.broadcast(F, x[x3 + k]);
                v2 = FloatVector.broadcast(F, x[x3 + k + HALF_BLOCK]);
                a3 = lo2.fma(v2, lo.fma(v, a3));
                b3 = hi2.fma(v2, hi.fma(v, b3));
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
}
