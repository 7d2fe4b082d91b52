package dev.peftbench.engine.tensor.cpu;

import dev.peftbench.engine.load.Bfloat16;
import dev.peftbench.engine.load.DType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The panel kernels equal the exact (float64) product of the weights they hold, to float32 rounding, for every shape:
 * 8-, 4- and 1-row passes, partial panels, odd widths, partial q8_0 blocks, prefills that dequantize panels; 8-bit
 * weights are ggml's q8_0 blocks, so an int8 product is the float64 product of the dequantized weights, and of the
 * inputs rounded to 8 bits per block of 32 (q8_0) below {@link Int8Kernels#TILE_ROWS} rows or, below
 * {@link Int8Kernels#DEQUANTIZE_ROWS}, where the input width is not a multiple of 32; 4-bit weights are q4_0 blocks,
 * and a q4 product of fewer rows than {@link Q4Kernels#DEQUANTIZE_ROWS} is the float64 product of the dequantized
 * weights and of the inputs rounded to 8 bits per block of 32.
 */
class LinearKernelsTest {

    @ParameterizedTest(name = "{0} rows x {1} -> {2}")
    @CsvSource({"1,64,8", "5,64,10", "37,1024,12", "70,4096,8", "9,100,7", "13,63,70", "8,33,64", "3,1,40", "16,80,40",
            "24,1024,64", "8,4096,64"})
    void panelProductsEqualPlainDotProducts(int n, int in, int out) {
        SplittableRandom random = new SplittableRandom(n * 31L + in);
        float[] x = gaussians(random, n * in);
        float[] w = gaussians(random, out * in);
        float[] bias = gaussians(random, out);
        short[] wb = new short[w.length];
        float[] wRounded = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            wb[i] = Bfloat16.fromFloat(w[i]);
            wRounded[i] = Bfloat16.toFloat(wb[i]);
        }
        PackedWeight.F32 packed = PackedWeight.F32.pack(stored(w), DType.F32, out, in);
        PackedWeight.Bf16 packedB = PackedWeight.Bf16.pack(stored(wb), DType.BF16, out, in);
        PackedWeight.Int8 packedQ = PackedWeight.Int8.pack(stored(w), DType.F32, out, in);
        float[] wQuantized = GgmlQ8_0.roundTrip(w, out, in);
        PackedWeight.Q4 packed4 = PackedWeight.Q4.pack(stored(w), DType.F32, out, in);
        float[] w4 = GgmlQ4_0.roundTrip(w, out, in);
        float[] xRounded = GgmlQ8_0.roundTrip(x, n, in, false);
        float[] x4 = n < Q4Kernels.DEQUANTIZE_ROWS ? xRounded : x;
        float[] x8 = n < Int8Kernels.TILE_ROWS || (n < Int8Kernels.DEQUANTIZE_ROWS && in % 32 != 0) ? xRounded : x;
        float[] y = new float[n * out];
        float[] yb = new float[n * out];
        float[] yq = new float[n * out];
        float[] y4 = new float[n * out];
        // Two halves, as the worker pool splits panels between threads.
        int half = packed.panels() / 2;
        float[] tail = new float[n * PackedWeight.PANEL];
        LinearKernels.f32(x, n, in, packed.data(), bias, y, out, 0, half, tail);
        LinearKernels.f32(x, n, in, packed.data(), bias, y, out, half, packed.panels(), tail);
        LinearKernels.bf16(x, n, in, packedB.data(), bias, yb, out, 0, half, tail);
        LinearKernels.bf16(x, n, in, packedB.data(), bias, yb, out, half, packedB.panels(), tail);
        Int8Kernels.linear(x, n, in, packedQ, bias, yq, out, 0, half, tail);
        Int8Kernels.linear(x, n, in, packedQ, bias, yq, out, half, packedQ.panels(), tail);
        Q4Kernels.linear(x, n, in, packed4, bias, y4, out, 0, half, tail);
        Q4Kernels.linear(x, n, in, packed4, bias, y4, out, half, packed4.panels(), tail);
        for (int r = 0; r < n; r++) {
            for (int o = 0; o < out; o++) {
                double expected = bias[o];
                double expectedB = bias[o];
                double expectedQ = bias[o];
                double expected4 = bias[o];
                double magnitude = Math.abs(bias[o]);
                double magnitudeB = magnitude;
                double magnitudeQ = magnitude;
                double magnitude4 = magnitude;
                for (int k = 0; k < in; k++) {
                    double xk = x[r * in + k];
                    expected += xk * w[o * in + k];
                    expectedB += xk * wRounded[o * in + k];
                    expectedQ += (double) x8[r * in + k] * wQuantized[o * in + k];
                    magnitude += Math.abs(xk * w[o * in + k]);
                    magnitudeB += Math.abs(xk * wRounded[o * in + k]);
                    magnitudeQ += Math.abs((double) x8[r * in + k] * wQuantized[o * in + k]);
                    expected4 += (double) x4[r * in + k] * w4[o * in + k];
                    magnitude4 += Math.abs((double) x4[r * in + k] * w4[o * in + k]);
                }
                // float32 rounding of a sum of in + 1 terms (a probabilistic bound: sqrt(in) unit roundoffs of the
                // magnitudes summed), against the exact product of the weights each kernel holds.
                double roundoff = 4 * Math.ulp(1f) / 2 * Math.sqrt(in + 1);
                assertEquals(expected, y[r * out + o], roundoff * magnitude, "f32 row " + r + " col " + o);
                assertEquals(expectedB, yb[r * out + o], roundoff * magnitudeB, "bf16 row " + r + " col " + o);
                assertEquals(expectedQ, yq[r * out + o], roundoff * magnitudeQ, "int8 row " + r + " col " + o);
                assertEquals(expected4, y4[r * out + o], roundoff * magnitude4, "q4 row " + r + " col " + o);
            }
        }
    }

    /** Every row comes back as stored, or rounded once to bfloat16 when a float32 checkpoint runs in bfloat16. */
    @Test
    void packedWeightsGiveBackEveryRow() {
        int rows = 45;
        int cols = 17;
        float[] w = gaussians(new SplittableRandom(3), rows * cols);
        PackedWeight.F32 packed = PackedWeight.F32.pack(stored(w), DType.F32, rows, cols);
        PackedWeight.Bf16 rounded = PackedWeight.Bf16.pack(stored(w), DType.F32, rows, cols);
        PackedWeight.Int8 quantized = PackedWeight.Int8.pack(stored(w), DType.F32, rows, cols);
        float[] wQuantized = GgmlQ8_0.roundTrip(w, rows, cols);
        PackedWeight.Q4 quantized4 = PackedWeight.Q4.pack(stored(w), DType.F32, rows, cols);
        float[] w4 = GgmlQ4_0.roundTrip(w, rows, cols);
        for (int r = 0; r < rows; r++) {
            float[] expected = Arrays.copyOfRange(w, r * cols, (r + 1) * cols);
            float[] expectedRounded = new float[cols];
            for (int c = 0; c < cols; c++) {
                expectedRounded[c] = Bfloat16.toFloat(Bfloat16.fromFloat(expected[c]));
            }
            float[] row = new float[cols + 2];
            float[] rowRounded = new float[cols + 2];
            float[] rowQuantized = new float[cols + 2];
            float[] row4 = new float[cols + 2];
            packed.copyRow(r, row, 2);
            rounded.copyRow(r, rowRounded, 2);
            quantized.copyRow(r, rowQuantized, 2);
            quantized4.copyRow(r, row4, 2);
            assertArrayEquals(expected, Arrays.copyOfRange(row, 2, cols + 2), "f32 row " + r);
            assertArrayEquals(expectedRounded, Arrays.copyOfRange(rowRounded, 2, cols + 2), "bf16 row " + r);
            assertArrayEquals(Arrays.copyOfRange(wQuantized, r * cols, (r + 1) * cols),
                    Arrays.copyOfRange(rowQuantized, 2, cols + 2), "int8 row " + r);
            assertArrayEquals(Arrays.copyOfRange(w4, r * cols, (r + 1) * cols), Arrays.copyOfRange(row4, 2, cols + 2),
                    "q4 row " + r);
        }
    }

    /**
     * ggml's quantize_row_q8_0: per block of 32, {@code d = max|x| / 127} (stored as float16) and
     * {@code q = roundf(x / d)} with the float32 {@code d}, halves rounded away from zero; an all-zero block has scale
     * 0; a row's last block may be partial. Any stored type quantizes from its float value.
     */
    @Test
    void int8BlocksFollowGgmlQ8_0() {
        int cols = 40;
        float[] w = new float[2 * cols];
        w[0] = 1.27f;              // the block's max: d = 0.01
        w[1] = 0.005f;             // 0.5 -> 1
        w[2] = -0.005f;            // -0.5 -> -1
        w[3] = -0.025f;            // -2.5 -> -3
        w[4] = -1.27f;             // -127
        w[32] = -0.5f;             // the partial block (8 values): d = 0.5 / 127
        w[33] = 0.25f;             // 63.5 -> 64
        // row 1 stays zero: scale 0, no NaN
        PackedWeight.Int8 q = PackedWeight.Int8.pack(stored(w), DType.F32, 2, cols);
        float[] row = new float[cols];
        q.copyRow(0, row, 0);
        float d = float16(1.27f / 127);
        assertEquals(d, row[0] / 127, 0f);
        assertEquals(d, row[1], 0f);
        assertEquals(-d, row[2], 0f);
        assertEquals(-3 * d, row[3], 0f);
        assertEquals(-127 * d, row[4], 0f);
        assertEquals(0f, row[5], 0f);
        float d2 = float16(0.5f / 127);
        assertEquals(-127 * d2, row[32], 0f);
        assertEquals(64 * d2, row[33], 0f);
        q.copyRow(1, row, 0);
        assertArrayEquals(new float[cols], row);
        short[] wb = new short[w.length];
        for (int i = 0; i < w.length; i++) {
            wb[i] = Bfloat16.fromFloat(w[i]);
        }
        float[] fromBf16 = new float[cols];
        PackedWeight.Int8.pack(stored(wb), DType.BF16, 2, cols).copyRow(0, fromBf16, 0);
        float[] widened = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            widened[i] = Bfloat16.toFloat(wb[i]);
        }
        assertArrayEquals(Arrays.copyOf(GgmlQ8_0.roundTrip(widened, 2, cols), cols), fromBf16);
    }

    /**
     * ggml's quantize_row_q4_0: per block of 32, the value {@code m} of largest magnitude (its sign kept) gives
     * {@code d = m / -8} (stored as float16) and {@code n = min(15, (int8_t)(x / d + 8.5))}, so {@code m} itself is
     * level 0 and a weight is {@code d · (n - 8)}; an all-zero block has scale 0; a partial last block pads with zeros.
     */
    @Test
    void q4BlocksFollowGgmlQ4_0() {
        int cols = 40;
        float[] w = new float[2 * cols];
        w[0] = 0.8f;               // the block's extreme: d = -0.1, level 0
        w[1] = -0.7f;              // 7 + 8.5 -> level 15: 0.7
        w[2] = 0.05f;              // -0.5 + 8.5 -> level 8: 0
        w[3] = 0.15f;              // -1.5 + 8.5 -> level 7: 0.1
        w[4] = -0.76f;             // 7.6 + 8.5 = 16.1 -> 15 (clamped): 0.7
        w[20] = 0.25f;             // a high nibble: -2.5 + 8.5 -> 6: 0.2
        w[32] = -0.4f;             // the partial block: d = 0.05
        w[33] = 0.1f;              // 2 + 8.5 -> level 10: 0.1
        PackedWeight.Q4 q = PackedWeight.Q4.pack(stored(w), DType.F32, 2, cols);
        float[] row = new float[cols];
        q.copyRow(0, row, 0);
        float d = float16(-0.1f);
        assertEquals(-8 * d, row[0], 0f);
        assertEquals(7 * d, row[1], 0f);
        assertEquals(0f, row[2], 0f);
        assertEquals(-d, row[3], 0f);
        assertEquals(7 * d, row[4], 0f);
        assertEquals(-2 * d, row[20], 0f);
        float d2 = float16(0.05f);
        assertEquals(-8 * d2, row[32], 0f);
        assertEquals(2 * d2, row[33], 0f);
        assertEquals(0f, row[39], 0f);
        q.copyRow(1, row, 0);
        for (float v : row) {
            assertEquals(0f, v, 0f);  // d = 0 / -8: negative zero, as in ggml
        }
    }

    private static float float16(float v) {
        return Float.float16ToFloat(Float.floatToFloat16(v));
    }

    private static ByteBuffer stored(float[] values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        return b;
    }

    private static ByteBuffer stored(short[] values) {
        ByteBuffer b = ByteBuffer.allocate(2 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asShortBuffer().put(values);
        return b;
    }

    private static float[] gaussians(SplittableRandom random, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) random.nextGaussian();
        }
        return v;
    }
}
