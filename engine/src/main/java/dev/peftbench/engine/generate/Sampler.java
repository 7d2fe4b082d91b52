package dev.peftbench.engine.generate;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Picks the next id from a row of logits, in the order of transformers' logits processors:
 * repetition penalty, then (sampling only) temperature, top-k, top-p, and a draw from the softmax.
 * Greedy is argmax with the lowest id winning ties, as torch.argmax. One sampler per sequence, so a
 * seed reproduces a sequence whatever else shares its batch.
 */
public final class Sampler {

    /** Candidates more than this many nats below the best carry < 1e-13 of the mass: dropped before sorting. */
    private static final double NEGLIGIBLE = 30.0;

    private final SamplingParams params;
    private final SplittableRandom random;

    public Sampler(SamplingParams params) {
        this.params = params;
        this.random = params.seed() == null ? new SplittableRandom() : new SplittableRandom(params.seed());
    }

    /**
     * @param logits  one row over the vocabulary (modified in place by the repetition penalty)
     * @param history prompt + generated ids, for the repetition penalty; may be null when it is off
     */
    public int sample(float[] logits, int[] history) {
        if (params.repetitionPenalty() != 1.0 && history != null) {
            applyRepetitionPenalty(logits, history, (float) params.repetitionPenalty());
        }
        if (params.greedy()) {
            return argmax(logits);
        }
        return draw(logits);
    }

    /** RepetitionPenaltyLogitsProcessor: each id seen once or more is penalised once. */
    static void applyRepetitionPenalty(float[] logits, int[] history, float penalty) {
        boolean[] seen = new boolean[logits.length];
        for (int id : history) {
            if (id >= 0 && id < logits.length && !seen[id]) {
                seen[id] = true;
                float l = logits[id];
                logits[id] = l < 0 ? l * penalty : l / penalty;
            }
        }
    }

    static int argmax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) {
            if (logits[i] > logits[best]) {
                best = i;
            }
        }
        return best;
    }

    private int draw(float[] logits) {
        double temperature = params.temperature();
        float max = logits[argmax(logits)];
        // Candidates: everything within NEGLIGIBLE nats of the best after temperature scaling.
        int[] candidates = new int[64];
        int count = 0;
        double floor = max - NEGLIGIBLE * temperature;
        for (int i = 0; i < logits.length; i++) {
            if (logits[i] >= floor) {
                if (count == candidates.length) {
                    candidates = Arrays.copyOf(candidates, count * 2);
                }
                candidates[count++] = i;
            }
        }
        Integer[] order = new Integer[count];
        for (int i = 0; i < count; i++) {
            order[i] = candidates[i];
        }
        // Highest logit first; ties keep the lower id first (stable sort over ascending ids).
        Arrays.sort(order, (a, b) -> Float.compare(logits[b], logits[a]));
        int keep = count;
        if (params.topK() > 0 && params.topK() < keep) {
            // TopKLogitsWarper keeps every id whose logit is >= the k-th largest (ties included).
            float kth = logits[order[params.topK() - 1]];
            keep = params.topK();
            while (keep < count && logits[order[keep]] >= kth) {
                keep++;
            }
        }
        double[] probs = new double[keep];
        double total = 0;
        for (int i = 0; i < keep; i++) {
            probs[i] = Math.exp((logits[order[i]] - max) / temperature);
            total += probs[i];
        }
        if (params.topP() < 1.0) {
            // TopPLogitsWarper: drop the low tail whose mass is <= 1 - top_p, i.e. keep ids while the mass
            // ranked above them is < top_p (always at least one).
            double above = 0;
            int kept = 0;
            while (kept < keep && above < params.topP() * total) {
                above += probs[kept];
                kept++;
            }
            keep = Math.max(1, kept);
            total = 0;
            for (int i = 0; i < keep; i++) {
                total += probs[i];
            }
        }
        double r = random.nextDouble() * total;
        for (int i = 0; i < keep; i++) {
            r -= probs[i];
            if (r < 0) {
                return order[i];
            }
        }
        return order[keep - 1];
    }
}
