package dev.peftbench.engine.generate;

/**
 * How many prompt positions the next step may prefill. While sequences decode, each step is one token for every one of
 * them, so a prompt chunk in the step delays all of them: the chunk is sized from the steps measured so far to make the
 * step take about {@code stepTargetNanos} (Sarathi-Serve's chunked prefill sizes chunks from a time-between-tokens
 * target the same way), at most {@code maxTokens} and at least {@link #MIN_CHUNK} so a prompt moves on even where the
 * decode rows alone take the whole target. With nothing decoding nobody waits: {@code maxTokens}. A target of 0 turns
 * the sizing off ({@code maxTokens} always). A chunk boundary changes no logits beyond float32 rounding.
 */
final class PrefillBudget {

    static final int MIN_CHUNK = 16;

    private final int maxTokens;
    private final long stepTargetNanos;
    /** A step of decode rows only, smoothed; the part of a mixed step that is not the chunk's. */
    private double decodeNanos = Double.NaN;
    /** What one prompt position added to the last step that had a chunk: it grows with the cache, as attention does. */
    private double nanosPerPromptToken = Double.NaN;

    PrefillBudget(int maxTokens, long stepTargetNanos) {
        if (maxTokens < 1 || stepTargetNanos < 0) {
            throw new IllegalArgumentException("prefill budget: max tokens " + maxTokens + ", step target " + stepTargetNanos + " ns");
        }
        this.maxTokens = maxTokens;
        this.stepTargetNanos = stepTargetNanos;
    }

    /** Prompt positions the next step may prefill, {@code decoding} when some sequence in it samples a decode token. */
    int next(boolean decoding) {
        if (!decoding || stepTargetNanos == 0) {
            return maxTokens;
        }
        if (Double.isNaN(nanosPerPromptToken)) {
            return Math.min(maxTokens, MIN_CHUNK);
        }
        double room = stepTargetNanos - (Double.isNaN(decodeNanos) ? 0 : decodeNanos);
        long tokens = (long) (room / nanosPerPromptToken);
        return (int) Math.clamp(tokens, Math.min(maxTokens, MIN_CHUNK), maxTokens);
    }

    /** A step took {@code nanos}: {@code promptTokens} prefilled beside decode rows ({@code decoding}) or none. */
    void record(boolean decoding, int promptTokens, long nanos) {
        if (promptTokens == 0) {
            if (decoding) {
                decodeNanos = Double.isNaN(decodeNanos) ? nanos : 0.75 * decodeNanos + 0.25 * nanos;
            }
            return;
        }
        double others = decoding && !Double.isNaN(decodeNanos) ? decodeNanos : 0;
        // A noisy step may take less than its decode rows usually do: count at least a tenth of it as the chunk's.
        nanosPerPromptToken = Math.max(nanos - others, 0.1 * nanos) / promptTokens;
    }
}
