package dev.peftbench.serve.generate;

import dev.peftbench.engine.TokenListener;
import dev.peftbench.engine.TokenLogprobs;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Hands tokens from the engine's scheduler thread (which must not block, TokenListener's contract) to
 * the request thread that writes them to the client.
 */
public final class TokenStream implements TokenListener {

    private final BlockingQueue<StreamedToken> tokens = new LinkedBlockingQueue<>();

    @Override
    public void onToken(int tokenId, String textDelta) {
        onToken(tokenId, textDelta, null);
    }

    @Override
    public void onToken(int tokenId, String textDelta, TokenLogprobs logprobs) {
        tokens.add(new StreamedToken(tokenId, textDelta, logprobs));
    }

    /** The next token, or null when none came within {@code millis}. */
    public StreamedToken poll(long millis) throws InterruptedException {
        return tokens.poll(millis, TimeUnit.MILLISECONDS);
    }

    /** A token already queued, or null. */
    public StreamedToken next() {
        return tokens.poll();
    }
}
