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

/** The panel kernels equal a plain dot product for every shape: 8-, 4- and 1-row passes, partial panels, odd widths. */
class LinearKernelsTest {

    @ParameterizedTest(name = "{0} rows x {1} -> {2}")
    @CsvSource({"1,64,8", "5,64,10", "37,1024,12", "70,4096,8", "9,100,7", "13,63,70", "8,33,64", "3,1,40", "16,80,40"})
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
        float[] y = new float[n * out];
        float[] yb = new float[n * out];
        // Two halves, as the worker pool splits panels between threads.
        int half = packed.panels() / 2;
        float[] tail = new float[n * PackedWeight.PANEL];
        LinearKernels.f32(x, n, in, packed.data(), bias, y, out, 0, half, tail);
        LinearKernels.f32(x, n, in, packed.data(), bias, y, out, half, packed.panels(), tail);
        LinearKernels.bf16(x, n, in, packedB.data(), bias, yb, out, 0, half, tail);
        LinearKernels.bf16(x, n, in, packedB.data(), bias, yb, out, half, packedB.panels(), tail);
        for (int r = 0; r < n; r++) {
            for (int o = 0; o < out; o++) {
                double expected = bias[o];
                double expectedB = bias[o];
                for (int k = 0; k < in; k++) {
                    expected += (double) x[r * in + k] * w[o * in + k];
                    expectedB += (double) x[r * in + k] * wRounded[o * in + k];
                }
                double tolerance = 1e-4 * Math.sqrt(in) + 1e-4;
                assertEquals(expected, y[r * out + o], tolerance, "f32 row " + r + " col " + o);
                assertEquals(expectedB, yb[r * out + o], tolerance, "bf16 row " + r + " col " + o);
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
        for (int r = 0; r < rows; r++) {
            float[] expected = Arrays.copyOfRange(w, r * cols, (r + 1) * cols);
            float[] expectedRounded = new float[cols];
            for (int c = 0; c < cols; c++) {
                expectedRounded[c] = Bfloat16.toFloat(Bfloat16.fromFloat(expected[c]));
            }
            float[] row = new float[cols + 2];
            float[] rowRounded = new float[cols + 2];
            packed.copyRow(r, row, 2);
            rounded.copyRow(r, rowRounded, 2);
            assertArrayEquals(expected, Arrays.copyOfRange(row, 2, cols + 2), "f32 row " + r);
            assertArrayEquals(expectedRounded, Arrays.copyOfRange(rowRounded, 2, cols + 2), "bf16 row " + r);
        }
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
