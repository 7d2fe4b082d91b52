package dev.peftbench.engine.tensor.cpu;

/**
 * A transcription of ggml's quantize_row_q4_0 followed by its dequantization ({@code float16(d) · (n - 8)}): the
 * reference the q4 backend is checked against. A row's last partial block quantizes its real values only.
 */
public final class GgmlQ4_0 {

    private GgmlQ4_0() {
    }

    /** Each row of {@code w[rows, cols]} quantized in blocks of 32 and dequantized again, as float32. */
    public static float[] roundTrip(float[] w, int rows, int cols) {
        float[] out = new float[w.length];
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < cols; b += 32) {
                int end = Math.min(cols, b + 32);
                float amax = 0;
                float max = 0;
                for (int i = b; i < end; i++) {
                    float v = w[r * cols + i];
                    if (amax < Math.abs(v)) {
                        amax = Math.abs(v);
                        max = v;
                    }
                }
                float d = max / -8;
                float id = d != 0 ? 1f / d : 0f;
                float stored = Float.float16ToFloat(Float.floatToFloat16(d));  // y[i].d = GGML_FP32_TO_FP16(d)
                for (int i = b; i < end; i++) {
                    float x0 = w[r * cols + i] * id;
                    int n = Math.min(15, (byte) (x0 + 8.5f));  // MIN(15, (int8_t)(x0 + 8.5f))
                    out[r * cols + i] = stored * (n - 8);
                }
            }
        }
        return out;
    }
}
