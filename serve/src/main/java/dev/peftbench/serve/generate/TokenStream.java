package dev.peftbench.serve.generate;

import dev.peftbench.engine.TokenListener;

import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Hands tokens from the engine's scheduler thread (which must not block, TokenListener's contract) to
 * the request thread that writes them to the client.
 */
public final class TokenStream implements TokenListener {

    private final BlockingQueue<String> deltas = new LinkedBlockingQueue<>();

    @Override
    public void onToken(int tokenId, String textDelta) {
        deltas.add(textDelta);
    }

    /** The next delta, or null when none came within {@code millis}. */
    public String poll(long millis) throws InterruptedException {
        return deltas.poll(millis, TimeUnit.MILLISECONDS);
    }

    /** A delta already queued, or null. */
    public String next() {
        return deltas.poll();
    }
}
