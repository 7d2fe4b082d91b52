package dev.peftbench.engine.tensor.cpu;

import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.tensor.AttentionSpan;
import dev.peftbench.engine.tensor.KvCache;
import dev.peftbench.engine.tensor.PositionScheme;
import dev.peftbench.engine.tensor.QkvLayout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AttentionKernelTest {

    /**
     * BLOOM: ALiBi, one KV head per query head, q/k/v interleaved per head; head sizes below, at and above a
     * vector's width, and one with a remainder (80 = bloom-3b's).
     */
    @ParameterizedTest
    @ValueSource(ints = {8, 16, 64, 80})
    void matchesPlainAlibiAttentionOverManyBlocks(int headDim) {
        int heads = 3;
        runAgainstReference(QkvLayout.perHeadInterleaved(heads, headDim), new PositionScheme.Alibi(new float[] {0.5f, 0.25f, 0.125f}),
                headDim);
    }

    /** Llama / Qwen / Mistral: RoPE (rotate-half), a KV head per query head or grouped (multi-query included), q/k/v side by side. */
    @ParameterizedTest
    @CsvSource({"4, 4, 16", "4, 2, 16", "4, 1, 16", "14, 2, 64", "8, 4, 128", "6, 3, 32"})
    void matchesPlainRotaryGroupedQueryAttentionOverManyBlocks(int heads, int kvHeads, int headDim) {
        float[] frequencies = new float[headDim / 2];
        for (int i = 0; i < frequencies.length; i++) {
            frequencies[i] = (float) (1.0 / Math.pow(10000, 2.0 * i / headDim));
        }
        runAgainstReference(QkvLayout.stacked(heads, kvHeads, headDim), new PositionScheme.Rotary(frequencies), heads * 31 + headDim);
    }

    /**
     * A prefill of 21 positions, then 30 single-position steps (crossing several 16-position KV blocks),
     * against a plain float64 transcription of the attention over every position written so far.
     */
    private static void runAgainstReference(QkvLayout layout, PositionScheme positions, long seed) {
        int prompt = 21;
        int steps = 30;
        SplittableRandom random = new SplittableRandom(seed);
        List<float[]> written = new ArrayList<>();  // every position's qkv row as projected, for the reference
        try (CpuTensorOps ops = new CpuTensorOps(ComputeType.FLOAT32, 2, false);
             KvCache cache = ops.newKvCache(1, layout.kvHeads(), layout.headDim(), prompt + steps)) {
            for (int step = 0; step <= steps; step++) {
                int rows = step == 0 ? prompt : 1;
                float[] qkv = new float[rows * layout.cols()];
                for (int i = 0; i < qkv.length; i++) {
                    qkv[i] = (float) random.nextDouble(-2, 2);
                }
                for (int r = 0; r < rows; r++) {
                    float[] row = new float[layout.cols()];
                    System.arraycopy(qkv, r * row.length, row, 0, row.length);
                    written.add(row);
                }
                float[] context = ops.toFloats(ops.attention(new CpuTensor(qkv, rows, layout.cols()), 0, layout, positions,
                        List.of(new AttentionSpan(cache, 0, rows))));
                cache.advance(rows);
                for (int r = 0; r < rows; r++) {
                    int position = written.size() - rows + r;
                    for (int h = 0; h < layout.heads(); h++) {
                        double[] expected = reference(written, position, h, layout, positions);
                        for (int d = 0; d < layout.headDim(); d++) {
                            assertEquals(expected[d], context[r * layout.contextCols() + h * layout.headDim() + d], 1e-5,
                                    "step " + step + ", position " + position + ", head " + h + ", feature " + d);
                        }
                    }
                }
            }
        }
    }

    /** softmax(q·kᵀ/sqrt(d) + slope·keyPosition) · v over positions 0..position, q and k rotated first under RoPE, in float64. */
    private static double[] reference(List<float[]> rows, int position, int head, QkvLayout layout, PositionScheme positions) {
        int headDim = layout.headDim();
        int g = layout.kvHeadOf(head);
        double[] q = features(rows.get(position), layout.q(head), headDim, position, positions);
        double slope = positions instanceof PositionScheme.Alibi a ? a.slope(head) : 0;
        double[] scores = new double[position + 1];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j <= position; j++) {
            double[] k = features(rows.get(j), layout.k(g), headDim, j, positions);
            double dot = 0;
            for (int d = 0; d < headDim; d++) {
                dot += q[d] * k[d];
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
                out[d] += scores[j] / sum * rows.get(j)[layout.v(g) + d];
            }
        }
        return out;
    }

    /** A head's features at {@code position}: as projected, or rotated (rotate-half) under RoPE. */
    private static double[] features(float[] row, int offset, int headDim, int position, PositionScheme positions) {
        double[] x = new double[headDim];
        for (int d = 0; d < headDim; d++) {
            x[d] = row[offset + d];
        }
        if (!(positions instanceof PositionScheme.Rotary rotary)) {
            return x;
        }
        float[] frequencies = rotary.inverseFrequencies();
        int half = headDim / 2;
        double[] out = new double[headDim];
        for (int i = 0; i < half; i++) {
            double angle = position * (double) frequencies[i];
            out[i] = x[i] * Math.cos(angle) - x[half + i] * Math.sin(angle);
            out[half + i] = x[half + i] * Math.cos(angle) + x[i] * Math.sin(angle);
        }
        return out;
    }
}
