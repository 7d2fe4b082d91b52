package dev.peftbench.engine.generate;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

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
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();

    private final SamplingParams params;
    private final SplittableRandom random;

    public Sampler(SamplingParams params) {
        this.params = params;
        this.random = params.seed() == null ? new SplittableRandom() : new SplittableRandom(params.seed());
    }

    /**
     * @param logits  holds the row at {@code [from, from + vocab)} (modified in place by the repetition penalty)
     * @param history prompt + generated ids, for the repetition penalty; may be null when it is off
     * @return the chosen id, in {@code [0, vocab)}
     */
    public int sample(float[] logits, int from, int vocab, int[] history) {
        return sample(logits, from, vocab, history, null);
    }

    /**
     * As {@link #sample(float[], int, int, int[])}, the choice held to {@code allowed} (ascending ids, none empty; null
     * = any id): as if every other logit were -inf before sampling, the way vLLM applies a guided-decoding mask.
     */
    public int sample(float[] logits, int from, int vocab, int[] history, int[] allowed) {
        if (params.repetitionPenalty() != 1.0 && history != null) {
            applyRepetitionPenalty(logits, from, vocab, history, (float) params.repetitionPenalty());
        }
        if (params.greedy()) {
            return allowed == null ? argmax(logits, from, vocab) : argmax(logits, from, allowed);
        }
        return draw(logits, from, vocab, allowed);
    }

    /** The id of {@code allowed} (ascending) with the largest logit, the lowest on ties; NaNs passed over. */
    static int argmax(float[] logits, int from, int[] allowed) {
        int best = allowed[0];
        float max = Float.NEGATIVE_INFINITY;
        for (int id : allowed) {
            if (logits[from + id] > max) {
                max = logits[from + id];
                best = id;
            }
        }
        return best;
    }

    /** RepetitionPenaltyLogitsProcessor: each id seen once or more is penalised once. */
    static void applyRepetitionPenalty(float[] logits, int from, int vocab, int[] history, float penalty) {
        boolean[] seen = new boolean[vocab];
        for (int id : history) {
            if (id >= 0 && id < vocab && !seen[id]) {
                seen[id] = true;
                float l = logits[from + id];
                logits[from + id] = l < 0 ? l * penalty : l / penalty;
            }
        }
    }

    /**
     * The id of the largest logit in {@code logits[from, from + vocab)}, the lowest id on ties (torch.argmax);
     * NaNs are passed over. Vectorised: a greedy step at batch 8 scans 2 M logits on the scheduler thread
     * while the other cores wait.
     */
    public static int argmax(float[] logits, int from, int vocab) {
        int end = from + vocab;
        int i = from;
        float max = Float.NEGATIVE_INFINITY;
        if (vocab >= 2 * L) {
            FloatVector best = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (; i + L <= end; i += L) {
                FloatVector v = FloatVector.fromArray(F, logits, i);
                best = best.blend(v, v.compare(VectorOperators.GT, best));
            }
            max = best.reduceLanes(VectorOperators.MAX);
        }
        for (; i < end; i++) {
            if (logits[i] > max) {
                max = logits[i];
            }
        }
        int j = from;
        FloatVector target = FloatVector.broadcast(F, max);
        for (; j + L <= end; j += L) {
            VectorMask<Float> hit = FloatVector.fromArray(F, logits, j).compare(VectorOperators.EQ, target);
            if (hit.anyTrue()) {
                return j - from + hit.firstTrue();
            }
        }
        for (; j < end; j++) {
            if (logits[j] == max) {
                return j - from;
            }
        }
        return 0;
    }

    private int draw(float[] logits, int from, int vocab, int[] allowed) {
        double temperature = params.temperature();
        float max = logits[from + (allowed == null ? argmax(logits, from, vocab) : argmax(logits, from, allowed))];
        // Candidates: everything (allowed) within NEGLIGIBLE nats of the best after temperature scaling.
        int[] candidates = new int[64];
        int count = 0;
        double floor = max - NEGLIGIBLE * temperature;
        int n = allowed == null ? vocab : allowed.length;
        for (int c = 0; c < n; c++) {
            int i = allowed == null ? c : allowed[c];
            if (logits[from + i] >= floor) {
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
        Arrays.sort(order, (a, b) -> Float.compare(logits[from + b], logits[from + a]));
        int keep = count;
        if (params.topK() > 0 && params.topK() < keep) {
            // TopKLogitsWarper keeps every id whose logit is >= the k-th largest (ties included).
            float kth = logits[from + order[params.topK() - 1]];
            keep = params.topK();
            while (keep < count && logits[from + order[keep]] >= kth) {
                keep++;
            }
        }
        double[] probs = new double[keep];
        double total = 0;
        for (int i = 0; i < keep; i++) {
            probs[i] = Math.exp((logits[from + order[i]] - max) / temperature);
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
