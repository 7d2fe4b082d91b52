package dev.peftbench.engine;

import java.util.concurrent.CompletableFuture;

/** A submitted request: its future result, and a way to cancel it (frees its batch slot). */
public interface GenerationHandle {
    /** Completes with the result, or exceptionally with an {@link EngineException}. */
    CompletableFuture<GenerationResult> result();

    /** Stops generation; the result completes with {@link FinishReason#CANCELLED} and the tokens so far. */
    void cancel();
}
