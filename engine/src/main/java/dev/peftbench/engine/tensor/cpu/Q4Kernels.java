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
 * against twelve for widening int8's 64 bytes to float32: on one Zen 4 core 0.030 against 0.054 ns per weight. More
 * rows dequantize each panel to float32 once in a per-thread buffer and run the float32 kernels over it, on the
 * unquantized inputs.
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
    /** From this many rows on, panels are dequantized once per product (the rows then share the decoding). */
    static final int DEQUANTIZE_ROWS = 4;
    private static final ThreadLocal<QuantizedRow> ROW = ThreadLocal.withInitial(QuantizedRow::new);

    private Q4Kernels() {
    }

    /** Output panels {@code [p0, p1)} of {@code y[n, out]} for all {@code n} rows of {@code x[n, in]}; {@code tail} as in {@link LinearKernels#f32}. */
    static void linear(float[] x, int n, int in, PackedWeight.Q4 w, float[] bias, float[] y, int out, int p0, int p1,
                       float[] tail) {
        byte[] q = w.data();
        int blocks = w.blocks();
        float[] panel = n >= DEQUANTIZE_ROWS ? LinearKernels.panelBuffer(blocks * BLOCK) : null;
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

    /**
     * One input row in ggml's q8_0 blocks (values {@code round(x / d)}, {@code d = max|x| / 127}, halves away from
     * zero) with float32 scales, and each block's sum of values; padded with zeros to whole blocks. Reused by its
     * thread: grown, never shrunk.
     */
    static final class QuantizedRow {
        short[] values = new short[0];
        float[] scales = new float[0];
        int[] sums = new int[0];

        void quantize(float[] x, int from, int in, int blocks) {
            if (values.length < blocks * BLOCK) {
                values = new short[blocks * BLOCK];
                scales = new float[blocks];
                sums = new int[blocks];
            }
            for (int b = 0; b < blocks; b++) {
                int k0 = b * BLOCK;
                int k1 = Math.min(in, k0 + BLOCK);
                float max = 0;
                for (int k = k0; k < k1; k++) {
                    max = Math.max(max, Math.abs(x[from + k]));
                }
                float d = max / 127;
                float inverse = d != 0 ? 1 / d : 0;
                int sum = 0;
                for (int k = k0; k < k0 + BLOCK; k++) {
                    int v = 0;
                    if (k < k1) {
                        float scaled = x[from + k] * inverse;
                        int whole = (int) scaled;
                        v = whole + (int) (2 * (scaled - whole));
                    }
                    values[k] = (short) v;
                    sum += v;
                }
                scales[b] = d;
                sums[b] = sum;
            }
        }
    }
}
