package dev.peftbench.engine.score;

import java.util.concurrent.CompletableFuture;

/** A scoring request in flight. */
public interface ScoringHandle {

    /** Every row's scores once the last is done; after {@link #cancel}, the rows scored until then ({@link LabelScores#cancelled}). */
    CompletableFuture<LabelScores> result();

    /** Stops after the rows being scored now. */
    void cancel();
}
