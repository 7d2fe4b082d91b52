package dev.peftbench.engine.tensor.cpu;

import dev.peftbench.engine.load.Bfloat16;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The tiled kernels equal a plain dot product for every shape: tiles, row chunks and their remainders. */
class LinearKernelsTest {

    @ParameterizedTest(name = "{0} rows x {1} -> {2}")
    @CsvSource({"1,64,8", "5,64,10", "37,1024,12", "70,4096,8", "9,100,7"})
    void tiledProductsEqualPlainDotProducts(int n, int in, int out) {
        SplittableRandom random = new SplittableRandom(n * 31L + in);
        float[] x = new float[n * in];
        float[] w = new float[out * in];
        float[] bias = new float[out];
        for (int i = 0; i < x.length; i++) x[i] = (float) random.nextGaussian();
        for (int i = 0; i < w.length; i++) w[i] = (float) random.nextGaussian();
        for (int i = 0; i < out; i++) bias[i] = (float) random.nextGaussian();
        short[] wb = new short[w.length];
        float[] wRounded = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            wb[i] = Bfloat16.fromFloat(w[i]);
            wRounded[i] = Bfloat16.toFloat(wb[i]);
        }
        float[] y = new float[n * out];
        float[] yb = new float[n * out];
        LinearKernels.f32(x, n, in, w, bias, y, out, 0, out);
        LinearKernels.bf16(x, n, in, wb, bias, yb, out, 0, out);
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
}
