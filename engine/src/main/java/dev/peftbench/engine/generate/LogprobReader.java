package dev.peftbench.engine.generate;

import dev.peftbench.engine.TokenLogprob;
import dev.peftbench.engine.TokenLogprobs;
import dev.peftbench.engine.tokenize.Tokenizer;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Reads a row of raw logits as log-probabilities, {@code log_softmax(logits)} as vLLM and OpenAI report them: the
 * token at a position and the {@code top} most likely ones. One pass for the normaliser (vectorised; the sum kept in
 * double) and one partial selection for the top ids: no sort of a 250k vocabulary. Only built for requests that ask.
 */
final class LogprobReader {

    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int L = F.length();
    /** Values summed in float per lane before the sum goes to double: 64 terms <= 1 each lose nothing that matters. */
    private static final int BLOCK = 64 * L;

    private final Tokenizer tokenizer;
    private final int top;

    LogprobReader(Tokenizer tokenizer, int top) {
        this.tokenizer = tokenizer;
        this.top = top;
    }

    /** Position {@code token} of the row {@code logits[from, from + vocab)}, adding {@code text} to the sequence. */
    TokenLogprobs read(float[] logits, int from, int vocab, int token, String text) {
        double normaliser = logSumExp(logits, from, vocab);
        List<TokenLogprob> best = new ArrayList<>(top);
        for (int id : topIds(logits, from, vocab, top)) {
            best.add(new TokenLogprob(id, tokenizer.tokenText(id), logits[from + id] - normaliser));
        }
        return new TokenLogprobs(token, tokenizer.tokenText(token), text, logits[from + token] - normaliser, best);
    }

    /** {@code log(sum(exp(logits[from, from + vocab))))}, shifted by the maximum so nothing overflows. */
    static double logSumExp(float[] logits, int from, int vocab) {
        int end = from + vocab;
        float max = logits[from + Sampler.argmax(logits, from, vocab)];
        FloatVector shift = FloatVector.broadcast(F, max);
        double sum = 0;
        int i = from;
        while (i + L <= end) {
            FloatVector acc = FloatVector.zero(F);
            int blockEnd = Math.min(end, i + BLOCK);
            for (; i + L <= blockEnd; i += L) {
                acc = acc.add(FloatVector.fromArray(F, logits, i).sub(shift).lanewise(VectorOperators.EXP));
            }
            sum += acc.reduceLanes(VectorOperators.ADD);
        }
        for (; i < end; i++) {
            sum += Math.exp(logits[i] - max);
        }
        return max + Math.log(sum);
    }

    /**
     * The ids of the {@code n} largest logits, largest first, the lower id first on ties (as a stable sort would put
     * them); NaNs are passed over. A bounded insertion list: after it fills, a whole vector of logits below its last
     * entry is skipped with one comparison.
     */
    static int[] topIds(float[] logits, int from, int vocab, int n) {
        n = Math.min(n, vocab);
        if (n <= 0) {
            return new int[0];
        }
        int[] ids = new int[n];
        float[] values = new float[n];
        Arrays.fill(values, Float.NEGATIVE_INFINITY);
        int count = 0;
        int end = from + vocab;
        int i = from;
        while (i < end) {
            if (count == n && i + L <= end) {
                FloatVector v = FloatVector.fromArray(F, logits, i);
                if (!v.compare(VectorOperators.GT, values[n - 1]).anyTrue()) {
                    i += L;
                    continue;
                }
            }
            int stop = Math.min(end, i + L);
            for (; i < stop; i++) {
                float v = logits[i];
                // Strictly greater: an equal value found later (a higher id) ranks after the ones already held.
                if (!(count < n ? v == v : v > values[n - 1])) {
                    continue;
                }
                int at = count < n ? count++ : n - 1;
                while (at > 0 && values[at - 1] < v) {
                    values[at] = values[at - 1];
                    ids[at] = ids[at - 1];
                    at--;
                }
                values[at] = v;
                ids[at] = i - from;
            }
        }
        return count == n ? ids : Arrays.copyOf(ids, count);
    }
}
