package dev.peftbench.engine.tensor;

import java.util.Arrays;

/**
 * How attention learns where a token is. Positions are cache positions: a sequence's first token (a
 * prompt-tuning virtual token, if any) is position 0, and each new token continues after what its cache
 * holds.
 */
public sealed interface PositionScheme permits PositionScheme.Alibi, PositionScheme.Rotary {

    /**
     * ALiBi (BLOOM): no rotation; each head adds {@code slope · keyPosition} to its attention scores
     * (modeling_bloom.build_alibi_tensor; HF's per-query constant offset cancels in the softmax).
     */
    record Alibi(float[] slopes) implements PositionScheme {
        public Alibi {
            slopes = slopes.clone();
        }

        public float slope(int head) {
            return slopes[head];
        }
    }

    /**
     * Rotary position embedding in the rotate-half layout (transformers' {@code apply_rotary_pos_emb}):
     * {@code x · cos + rotate_half(x) · sin}, where {@code rotate_half([x1, x2]) = [-x2, x1]} over the two
     * halves of a head and feature {@code i} of either half turns by {@code position · inverseFrequency[i]}.
     * The inverse frequencies are float32, as transformers computes them (scaling included); angles and
     * their cosines are taken in float64 and kept per position in a table that grows with the longest
     * sequence seen.
     */
    final class Rotary implements PositionScheme {

        private final float[] inverseFrequencies;
        private final int half;
        private float[] cos = new float[0];
        private float[] sin = new float[0];
        private int positions;

        public Rotary(float[] inverseFrequencies) {
            if (inverseFrequencies.length < 1) {
                throw new IllegalArgumentException("RoPE needs at least one frequency");
            }
            this.inverseFrequencies = inverseFrequencies.clone();
            this.half = inverseFrequencies.length;
        }

        /** Features per head: twice the frequencies. */
        public int headDim() {
            return 2 * half;
        }

        public float[] inverseFrequencies() {
            return inverseFrequencies.clone();
        }

        /**
         * Makes positions {@code [0, count)} ready for {@link #rotate}; call before reading the table from
         * several threads (the table only grows here).
         */
        public synchronized void prepare(int count) {
            if (count <= positions) {
                return;
            }
            int grown = Math.max(count, 2 * positions);
            float[] c = Arrays.copyOf(cos, grown * half);
            float[] s = Arrays.copyOf(sin, grown * half);
            for (int p = positions; p < grown; p++) {
                for (int i = 0; i < half; i++) {
                    double angle = p * (double) inverseFrequencies[i];
                    c[p * half + i] = (float) Math.cos(angle);
                    s[p * half + i] = (float) Math.sin(angle);
                }
            }
            cos = c;
            sin = s;
            positions = grown;
        }

        /** Rotates one head's features {@code x[offset, offset + headDim)} in place for {@code position}. */
        public void rotate(float[] x, int offset, int position) {
            int t = position * half;
            for (int i = 0; i < half; i++) {
                float x1 = x[offset + i];
                float x2 = x[offset + half + i];
                float c = cos[t + i];
                float s = sin[t + i];
                x[offset + i] = x1 * c - x2 * s;
                x[offset + half + i] = x2 * c + x1 * s;
            }
        }

        /** Cosines (or sines) for positions {@code [from, from + count)}, each repeated over both halves: {@code [count, headDim]}. */
        public float[] table(int from, int count, boolean sines) {
            prepare(from + count);
            float[] source = sines ? sin : cos;
            float[] out = new float[count * 2 * half];
            for (int p = 0; p < count; p++) {
                System.arraycopy(source, (from + p) * half, out, p * 2 * half, half);
                System.arraycopy(source, (from + p) * half, out, p * 2 * half + half, half);
            }
            return out;
        }
    }
}
