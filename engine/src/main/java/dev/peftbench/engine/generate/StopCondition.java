package dev.peftbench.engine.generate;

import dev.peftbench.engine.FinishReason;

import java.util.List;

/**
 * When a sequence ends (transformers' StoppingCriteria): an eos id (kept in the output, as HF does),
 * a stop string appearing in the generated text, or {@code max_new_tokens}. Stop strings are matched
 * incrementally on each token's text delta: a match that the delta completes ends within the delta
 * and starts at most the longest stop string's length before its end, so only that tail of the text
 * is searched and kept. A token costs at most {@link SamplingParams#MAX_STOP_STRINGS} searches over
 * {@link SamplingParams#MAX_STOP_LENGTH} characters plus its delta, however long the text grew; the
 * scheduler thread that runs this for every sequence of a batch never decodes the whole text here.
 */
public final class StopCondition {

    private final SamplingParams params;
    private final int longestStop;
    /** The end of the generated text: the last {@code longestStop - 1} characters, plus the delta being checked. */
    private final StringBuilder tail = new StringBuilder();

    /** @param params with the eos ids resolved (never the model-default null) */
    public StopCondition(SamplingParams params) {
        if (params.eosTokenIds() == null) {
            throw new IllegalArgumentException("the eos ids must be resolved to the model's before generating");
        }
        this.params = params;
        this.longestStop = params.stop().stream().mapToInt(String::length).max().orElse(0);
    }

    /**
     * The reason to stop after the last generated id, or null to go on.
     *
     * @param delta the text the last id added (a streaming decoder's delta; the deltas add up to the text)
     */
    public FinishReason check(List<Integer> generated, String delta) {
        if (!generated.isEmpty() && params.eosTokenIds().contains(generated.getLast())) {
            return FinishReason.EOS_TOKEN;
        }
        if (longestStop > 0 && stopInTail(delta)) {
            return FinishReason.STOP_SEQUENCE;
        }
        return generated.size() >= params.maxNewTokens() ? FinishReason.LENGTH : null;
    }

    private boolean stopInTail(String delta) {
        if (delta.isEmpty()) {
            return false;
        }
        tail.append(delta);
        for (String s : params.stop()) {
            // a new match ends within the delta, so it starts no earlier than this
            int from = Math.max(0, tail.length() - delta.length() - s.length() + 1);
            if (tail.indexOf(s, from) >= 0) {
                return true;
            }
        }
        tail.delete(0, Math.max(0, tail.length() - (longestStop - 1)));
        return false;
    }

    /** Where the first stop string starts in {@code text}, or -1 (where the finished text is cut, once). */
    public int stopIndex(String text) {
        int first = -1;
        for (String s : params.stop()) {
            int i = text.indexOf(s);
            if (i >= 0 && (first < 0 || i < first)) {
                first = i;
            }
        }
        return first;
    }
}
