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
}
