package dev.peftbench.engine.tensor.cpu;

import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.tensor.AttentionSpan;
import dev.peftbench.engine.tensor.KvCache;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class BloomAttentionKernelTest {

    /**
     * A prefill of 21 positions, then 30 single-position steps (crossing several 16-position KV blocks),
     * against a plain float64 transcription of modeling_bloom's attention over every position written so far;
     * head sizes below, at and above a vector's width, and one with a remainder (80 = bloom-3b's).
     */
    @ParameterizedTest
    @ValueSource(ints = {8, 16, 64, 80})
    void matchesPlainAlibiAttentionOverManyBlocks(int headDim) {
        int heads = 3;
        int prompt = 21;
        int steps = 30;
        float[] slopes = {0.5f, 0.25f, 0.125f};
        SplittableRandom random = new SplittableRandom(headDim);
        List<float[]> written = new ArrayList<>();  // every position's qkv row, for the reference
        try (CpuTensorOps ops = new CpuTensorOps(ComputeType.FLOAT32, 2, false);
             KvCache cache = ops.newKvCache(1, heads, headDim, prompt + steps)) {
            for (int step = 0; step <= steps; step++) {
                int rows = step == 0 ? prompt : 1;
                float[] qkv = new float[rows * heads * 3 * headDim];
                for (int i = 0; i < qkv.length; i++) {
                    qkv[i] = (float) random.nextDouble(-2, 2);
                }
                for (int r = 0; r < rows; r++) {
                    float[] row = new float[heads * 3 * headDim];
                    System.arraycopy(qkv, r * row.length, row, 0, row.length);
                    written.add(row);
                }
                float[] context = ops.toFloats(ops.bloomAttention(new CpuTensor(qkv, rows, qkv.length / rows), 0, heads, headDim,
                        slopes, List.of(new AttentionSpan(cache, 0, rows))));
                cache.advance(rows);
                for (int r = 0; r < rows; r++) {
                    int position = written.size() - rows + r;
                    for (int h = 0; h < heads; h++) {
                        double[] expected = reference(written, position, h, heads, headDim, slopes[h]);
                        for (int d = 0; d < headDim; d++) {
                            assertEquals(expected[d], context[r * heads * headDim + h * headDim + d], 1e-5,
                                    "step " + step + ", position " + position + ", head " + h + ", feature " + d);
                        }
                    }
                }
            }
        }
    }

    /** softmax(q·kᵀ/sqrt(d) + slope·keyPosition) · v over positions 0..position, in float64. */
    private static double[] reference(List<float[]> rows, int position, int head, int heads, int headDim, float slope) {
        int q = head * 3 * headDim;
        double[] scores = new double[position + 1];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j <= position; j++) {
            double dot = 0;
            for (int d = 0; d < headDim; d++) {
                dot += (double) rows.get(position)[q + d] * rows.get(j)[q + headDim + d];
            }
            scores[j] = dot / Math.sqrt(headDim) + slope * j;
            max = Math.max(max, scores[j]);
        }
        double sum = 0;
        for (int j = 0; j <= position; j++) {
            scores[j] = Math.exp(scores[j] - max);
            sum += scores[j];
        }
        double[] out = new double[headDim];
        for (int j = 0; j <= position; j++) {
            for (int d = 0; d < headDim; d++) {
                out[d] += scores[j] / sum * rows.get(j)[q + 2 * headDim + d];
            }
        }
        return out;
    }
}
