package dev.peftbench.engine.tensor.cpu;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import static dev.peftbench.engine.tensor.cpu.PackedWeight.BLOCK;
import static dev.peftbench.engine.tensor.cpu.PackedWeight.PANEL;
import static dev.peftbench.engine.tensor.cpu.PackedWeight.SCALE_BYTES;

/**
 * {@code y = x · wᵀ + b} over {@link PackedWeight.Int8 8-bit panels}. Fewer than four rows (a decode step) are
 * multiplied in integers, as llama.cpp multiplies every q8_0 product and as {@link Q4Kernels} does: each row is
 * quantized to 8 bits per block of 32 inputs once per product ({@link QuantizedRow}), a step's bytes widen to 16-bit
 * lanes and two steps' products add up exactly in 16 bits, and each block's sums are converted and scaled once.
 * Four to fifteen rows widen each step's bytes to float vectors in registers, multiply them by their block's scales
 * and share them across a tile of eight or four rows; sixteen or more dequantize each panel once into a per-thread
 * buffer and run the float32 kernels over it. Those use the unquantized inputs.
 */
final class Int8Kernels {

    private static final VectorSpecies<Float> F = LinearKernels.F;
    private static final int L = F.length();
    private static final int CHUNK = PackedWeight.Int8.CHUNK;
    /** One panel step: a byte per row. */
    private static final VectorSpecies<Byte> STEP = VectorSpecies.of(byte.class, VectorShape.forBitSize(PANEL * Byte.SIZE));
    /** A panel step widened: a 16-bit lane per row. */
    private static final VectorSpecies<Short> S = VectorSpecies.of(short.class, F.vectorShape());
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** A block's {@code 2L} float16 scales: {@code L} ints, lane {@code i} holding rows {@code 2i} and {@code 2i + 1}. */
    private static final VectorSpecies<Byte> SCALES = VectorSpecies.of(byte.class, F.vectorShape());
    /**
     * Rows {@code 0..L-1} and {@code L..2L-1} of a panel from its even rows' and its odd rows' sums: lane {@code n}
     * takes lane {@code n / 2} of the even rows, or (an exceptional index: the second vector) lane {@code (n - 1) / 2}
     * of the odd rows.
     */
    private static final VectorShuffle<Float> FIRST_HALF = VectorShuffle.fromOp(F, n -> n % 2 == 0 ? n / 2 : (n - 1) / 2 - L);
    private static final VectorShuffle<Float> SECOND_HALF = VectorShuffle.fromOp(F, n -> n % 2 == 0 ? (L + n) / 2 : (L + n - 1) / 2 - L);
    /** From this many rows on, weights are decoded to float32 in registers, shared by a tile of rows. */
    static final int TILE_ROWS = 4;
    private static final ThreadLocal<QuantizedRow> ROW = ThreadLocal.withInitial(QuantizedRow::new);
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
        if (n < TILE_ROWS || (n < DEQUANTIZE_ROWS && in % BLOCK != 0)) {
            // Decode rows (and the rare input width that is not a multiple of 32 below the buffer's threshold).
            QuantizedRow row = ROW.get();
            byte[] q = w.data();
            int blocks = w.blocks();
            for (int r = 0; r < n; r++) {
                row.quantize(x, r * in, in, blocks);
                for (int p = p0; p < p1; p++) {
                    int o = p * PANEL;
                    if (o + PANEL <= out) {
                        row(row.pairs, row.scales, q, blocks, p, y, r * out + o);
                    } else {
                        row(row.pairs, row.scales, q, blocks, p, tail, 0);
                        System.arraycopy(tail, 0, y, r * out + o, out - o);
                    }
                }
            }
        } else {
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
        }
        LinearKernels.addBias(bias, y, n, out, p0, p1);
    }

    /**
     * Columns {@code [o, o + PANEL)} of {@code y[n, out]} ({@code n >= 4}, whole blocks) from panel {@code p}, through
     * {@code dequantized} when not null.
     */
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
        for (; r + 8 <= n; r += 8) {
            rows8(x, in, r, q, blocks, p, y, out, o);
        }
        for (; r + 4 <= n; r += 4) {
            rows4(x, in, r, q, blocks, p, y, out, o);
        }
        if (r < n) {
            // The last one to three rows with the three before them, which come out the same again.
            rows4(x, in, n - 4, q, blocks, p, y, out, o);
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

    /** The step at {@code at}, each byte sign-extended to a 16-bit lane. */
    private static ShortVector step(byte[] q, int at) {
        return (ShortVector) ByteVector.fromArray(STEP, q, at).convertShape(VectorOperators.B2S, S, 0);
    }

    /** An input's 8-bit value in every 16-bit lane, from its {@link QuantizedRow#pairs pair}: a 32-bit broadcast. */
    private static ShortVector input(int[] pairs, int k) {
        return IntVector.broadcast(I, pairs[k]).reinterpretAsShorts();
    }

    /*
     * One quantized input row (a decode step): panel p's outputs into y[at..]. Per pair of steps, w_k x_k + w_k+1 x_k+1
     * is exact in 16 bits (at most 2 * 127 * 127). Read as 32-bit lanes, lane i holds row 2i's sum in its low half and
     * row 2i + 1's in its high half; biased by 2^15 in each half, both halves read as unsigned, so the raw 32-bit lanes
     * and their high halves alone (a logical shift) add up over the block without splitting each pair, and per block
     * the low halves' sum is the raw sum less 2^16 times the high halves' (exact: 16 pairs of at most 65535 stay below
     * 2^31). Per block the even and odd rows' sums are converted and scaled by the input's scale times their weights'
     * float16 scales, decoded in the same even/odd order; once per panel the two are interleaved back into row order.
     * Per 64 weights: two widenings, two broadcasts, two multiplies, an add, a bias, two 32-bit adds and a shift,
     * against twelve instructions (widening, int-to-float conversion and FMA per 16 weights) for float products: on a
     * Zen 4 core over a 1024 x 1024 matrix in L2 (thread CPU time, best of each run) 0.91-0.99x the float kernel's time
     * with 512-bit vectors, 0.90-1.00x with AVX2 (level in JMH's wall time), 0.58-0.72x at 128 bits (where the float
     * kernel's half-step conversion is slow); docs/performance.md has the figures. The shifts, not S2I's conversion
     * parts, split the pairs: those compiled to permutes and blends in q4's kernel. Vectors stay in this method (see
     * rows4).
     */
    private static void row(int[] pairs, float[] xScale, byte[] q, int blocks, int p, float[] y, int at) {
        FloatVector even = FloatVector.zero(F);
        FloatVector odd = even;
        IntVector zero = IntVector.zero(I);
        ShortVector bias = ShortVector.broadcast(S, Short.MIN_VALUE);
        int chunk = p * blocks * CHUNK;
        for (int b = 0, xk = 0; b < blocks; b++, chunk += CHUNK, xk += BLOCK) {
            IntVector raw0 = zero, high0 = zero, raw1 = zero, high1 = zero;
            for (int k = 0; k < BLOCK; k += 4) {
                int s = chunk + SCALE_BYTES + k * PANEL;
                IntVector pair = step(q, s).mul(input(pairs, xk + k)).add(step(q, s + PANEL).mul(input(pairs, xk + k + 1)))
                        .lanewise(VectorOperators.XOR, bias).reinterpretAsInts();
                raw0 = raw0.add(pair);
                high0 = high0.add(pair.lanewise(VectorOperators.LSHR, 16));
                IntVector pair2 = step(q, s + 2 * PANEL).mul(input(pairs, xk + k + 2))
                        .add(step(q, s + 3 * PANEL).mul(input(pairs, xk + k + 3)))
                        .lanewise(VectorOperators.XOR, bias).reinterpretAsInts();
                raw1 = raw1.add(pair2);
                high1 = high1.add(pair2.lanewise(VectorOperators.LSHR, 16));
            }
            IntVector high = high0.add(high1);
            IntVector oddSum = high.sub(BLOCK / 2 * 0x8000);
            IntVector evenSum = raw0.add(raw1).sub(high.lanewise(VectorOperators.LSHL, 16)).sub(BLOCK / 2 * 0x8000);
            // The float16 scales as in PanelBytes.float16s, rows 2i (low halves) and 2i + 1 (high halves) apart.
            IntVector h = ByteVector.fromArray(SCALES, q, chunk).reinterpretAsInts();
            IntVector evenBits = h.lanewise(VectorOperators.LSHL, 16).lanewise(VectorOperators.ASHR, 16);
            IntVector oddBits = h.lanewise(VectorOperators.ASHR, 16);
            float scale = xScale[b];
            FloatVector evenScale = evenBits.lanewise(VectorOperators.LSHL, 13).and(0x8FFFFFFF).reinterpretAsFloats()
                    .mul(0x1p112f).mul(scale);
            FloatVector oddScale = oddBits.lanewise(VectorOperators.LSHL, 13).and(0x8FFFFFFF).reinterpretAsFloats()
                    .mul(0x1p112f).mul(scale);
            even = ((FloatVector) evenSum.convert(VectorOperators.I2F, 0)).fma(evenScale, even);
            odd = ((FloatVector) oddSum.convert(VectorOperators.I2F, 0)).fma(oddScale, odd);
        }
        even.rearrange(FIRST_HALF, odd).intoArray(y, at);
        even.rearrange(SECOND_HALF, odd).intoArray(y, at + L);
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
