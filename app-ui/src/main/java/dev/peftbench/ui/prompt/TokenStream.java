package dev.peftbench.ui.prompt;

import dev.peftbench.engine.TokenListener;
import dev.peftbench.engine.TokenLogprobs;
import javafx.application.Platform;
import javafx.beans.property.IntegerProperty;
import javafx.beans.property.SimpleIntegerProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.ObservableList;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Carries streamed tokens from the engine's scheduler thread to a text property (and, when the request asked
 * for log-probabilities, to a list of the tokens with theirs) on the FX thread. Deltas are buffered and at
 * most one {@code runLater} is pending at a time, so a fast stream becomes a few large appends instead of
 * one FX event per token.
 */
final class TokenStream implements TokenListener {
    private final StringProperty target;
    private final ObservableList<TokenLogprobs> tokenLogprobs;
    private final IntegerProperty tokens = new SimpleIntegerProperty(0);
    private final StringBuilder pending = new StringBuilder();
    private final List<TokenLogprobs> pendingLogprobs = new ArrayList<>();
    private final AtomicBoolean flushScheduled = new AtomicBoolean(false);
    private int pendingTokens;

    /** {@code tokenLogprobs} receives each token with its log-probabilities, when the engine reports them. */
    TokenStream(StringProperty target, ObservableList<TokenLogprobs> tokenLogprobs) {
        this.target = target;
        this.tokenLogprobs = tokenLogprobs;
    }

    @Override
    public void onToken(int tokenId, String textDelta) {
        onToken(tokenId, textDelta, null);
    }

    @Override
    public void onToken(int tokenId, String textDelta, TokenLogprobs logprobs) {
        synchronized (pending) {
            pending.append(textDelta);
            pendingTokens++;
            if (logprobs != null) {
                pendingLogprobs.add(logprobs);
            }
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
        List<TokenLogprobs> arrived;
        synchronized (pending) {
            text = pending.toString();
            count = pendingTokens;
            arrived = List.copyOf(pendingLogprobs);
            pending.setLength(0);
            pendingTokens = 0;
            pendingLogprobs.clear();
        }
        if (!text.isEmpty()) {
            target.set(target.get() + text);
        }
        if (!arrived.isEmpty()) {
            tokenLogprobs.addAll(arrived);
        }
        tokens.set(tokens.get() + count);
    }

    /** Tokens shown so far (FX thread). */
    IntegerProperty tokensProperty() {
        return tokens;
    }
}
