package dev.peftbench.engine;

import java.util.List;

/**
 * The answer to one {@link GenerationRequest}.
 *
 * @param prompt            the text sent to the model (template applied)
 * @param promptTokenIds    the prompt's token ids (virtual tokens excluded)
 * @param generatedTokenIds the new ids, eos included when one came
 * @param text              prompt + generated ids decoded, special tokens skipped (what the reference server returns)
 * @param generatedText     the new ids decoded, special tokens skipped
 * @param logprobs          one per generated id when log-probabilities were asked for, else empty
 * @param promptLogprobs    one per prompt id when the prompt's log-probabilities were asked for, else empty
 */
public record GenerationResult(String prompt, List<Integer> promptTokenIds, List<Integer> generatedTokenIds,
                               String text, String generatedText, FinishReason finishReason, Timings timings,
                               List<TokenLogprobs> logprobs, List<TokenLogprobs> promptLogprobs) {
    public GenerationResult {
        promptTokenIds = List.copyOf(promptTokenIds);
        generatedTokenIds = List.copyOf(generatedTokenIds);
        logprobs = logprobs == null ? List.of() : List.copyOf(logprobs);
        promptLogprobs = promptLogprobs == null ? List.of() : List.copyOf(promptLogprobs);
    }

    /** A result without log-probabilities. */
    public GenerationResult(String prompt, List<Integer> promptTokenIds, List<Integer> generatedTokenIds,
                            String text, String generatedText, FinishReason finishReason, Timings timings) {
        this(prompt, promptTokenIds, generatedTokenIds, text, generatedText, finishReason, timings, List.of(), List.of());
    }

    /**
     * Where the time went, in nanoseconds: waiting in the queue, until the first new token (queue
     * included), and in total.
     */
    public record Timings(long queuedNanos, long timeToFirstTokenNanos, long totalNanos) {
        /** Decode speed after the first token; 0 when fewer than two tokens came. */
        public double decodeTokensPerSecond(int generatedTokens) {
            long decodeNanos = totalNanos - timeToFirstTokenNanos;
            return generatedTokens < 2 || decodeNanos <= 0 ? 0 : (generatedTokens - 1) * 1e9 / decodeNanos;
        }
    }
}
