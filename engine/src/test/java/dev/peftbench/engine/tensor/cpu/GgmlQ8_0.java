package dev.peftbench.engine.tensor.cpu;

/**
 * A transcription of ggml's quantize_row_q8_0 followed by its dequantization ({@code float16(d) · q}): the reference
 * the int8 backend is checked against.
 */
public final class GgmlQ8_0 {

    private GgmlQ8_0() {
    }

    /** Each row of {@code w[rows, cols]} quantized in blocks of 32 and dequantized again, as float32. */
    public static float[] roundTrip(float[] w, int rows, int cols) {
        return roundTrip(w, rows, cols, true);
    }

    /**
     * As {@link #roundTrip(float[], int, int)}; with {@code float16Scales} false the scale stays float32 (how the int8
     * and q4 kernels quantize a decode row's inputs).
     */
    public static float[] roundTrip(float[] w, int rows, int cols, boolean float16Scales) {
        float[] out = new float[w.length];
        for (int r = 0; r < rows; r++) {
            for (int b = 0; b < cols; b += 32) {
                int end = Math.min(cols, b + 32);
                float amax = 0;
                for (int i = b; i < end; i++) {
                    amax = Math.max(amax, Math.abs(w[r * cols + i]));
                }
                float d = amax / 127;
                float id = d != 0 ? 1f / d : 0f;
                float stored = float16Scales ? Float.float16ToFloat(Float.floatToFloat16(d)) : d;  // y[i].d = GGML_FP32_TO_FP16(d)
                for (int i = b; i < end; i++) {
                    float x0 = w[r * cols + i] * id;
                    int q = (int) (x0 >= 0 ? Math.floor(x0 + 0.5f) : -Math.floor(-x0 + 0.5f));  // an int8_t
                    out[r * cols + i] = stored * q;
                }
            }
        }
        return out;
    }
}
