package dev.peftbench.engine.tensor.cpu;

import static dev.peftbench.engine.tensor.cpu.PackedWeight.BLOCK;

/**
 * One input row in ggml's q8_0 blocks (values {@code round(x / d)}, {@code d = max|x| / 127}, halves away from
 * zero) with float32 scales, and each block's sum of values; padded with zeros to whole blocks. Reused by its
 * thread: grown, never shrunk. The decode rows of both quantized kernels ({@link Q4Kernels}, {@link Int8Kernels})
 * are multiplied in integers over it.
 */
final class QuantizedRow {
    short[] values = new short[0];
    float[] scales = new float[0];
    int[] sums = new int[0];
    /** Each value twice, in both 16-bit halves of an int: one 32-bit broadcast puts it in every 16-bit lane. */
    int[] pairs = new int[0];

    void quantize(float[] x, int from, int in, int blocks) {
        if (values.length < blocks * BLOCK) {
            values = new short[blocks * BLOCK];
            scales = new float[blocks];
            sums = new int[blocks];
            pairs = new int[blocks * BLOCK];
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
                pairs[k] = v << 16 | v & 0xFFFF;
                sum += v;
            }
            scales[b] = d;
            sums[b] = sum;
        }
    }
}
