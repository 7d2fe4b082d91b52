package dev.peftbench.ui.prompt;

import dev.peftbench.engine.TokenListener;
import javafx.application.Platform;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.StringProperty;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Carries streamed tokens from the engine's scheduler thread to a text property on the FX thread.
 * Deltas are buffered and at most one {@code runLater} is pending at a time, so a fast stream
 * becomes a few large appends instead of one FX event per token.
 */
final class TokenStream implements TokenListener {
    private final StringProperty target;
    private final IntegerProperty tokens = new SimpleIntegerProperty(0);
    private final StringBuilder pending = new StringBuilder();
    private final AtomicBoolean flushScheduled = new AtomicBoolean(false);
    private int pendingTokens;

    TokenStream(StringProperty target) {
        this.target = target;
    }

    @Override
    public void onToken(int tokenId, String textDelta) {
        synchronized (pending) {
            pending.append(textDelta);
            pendingTokens++;
        }
        if (flushScheduled.compareAndSet(false, true)) {
            Platform.runLater(this::flush);
        }
    }

    /** Moves what has arrived into the target; FX thread. Also called once the run ends, so nothing is left behind. */
    void flush() {
        flushScheduled.set(false);
        String text;
        int count;
        synchronized (pending) {
            text = pending.toString();
            count = pendingTokens;
            pending.setLength(0);
            pendingTokens = 0;
        }
        if (!text.isEmpty()) {
            target.set(target.get() + text);
        }
        tokens.set(tokens.get() + count);
    }

    /** Tokens shown so far (FX thread). */
    IntegerProperty tokensProperty() {
        return tokens;
    }
}
