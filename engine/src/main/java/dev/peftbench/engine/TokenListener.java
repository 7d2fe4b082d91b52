package dev.peftbench.engine;

/**
 * Receives each generated token as soon as it is sampled, on the engine's scheduler thread: keep it
 * short (hand off to another thread for slow work). {@code textDelta} is the newly printable text;
 * it may be empty while a multi-byte character is incomplete.
 */
@FunctionalInterface
public interface TokenListener {
    TokenListener NONE = (id, delta) -> { };

    void onToken(int tokenId, String textDelta);

    /**
     * What the engine calls: with the token's log-probabilities when the request asked for them ({@code logprobs}
     * null otherwise). Listeners that show them override this one.
     */
    default void onToken(int tokenId, String textDelta, TokenLogprobs logprobs) {
        onToken(tokenId, textDelta);
    }
}
