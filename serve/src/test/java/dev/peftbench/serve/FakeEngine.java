package dev.peftbench.serve;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.FinishReason;
import dev.peftbench.engine.GenerationHandle;
import dev.peftbench.engine.GenerationRequest;
import dev.peftbench.engine.GenerationResult;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.engine.TokenListener;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stands in for the engine only in protocol-layer unit tests, for what the real engine does only
 * under load: a full queue, a generation that never ends (timeout), counting cancellations. It
 * "generates" by appending " ok" in three tokens so that answers are checkable.
 */
final class FakeEngine implements EngineGateway {

    volatile boolean queueFull;
    volatile boolean hang;
    /** > 0: the answer comes after this delay (graceful shutdown). */
    volatile long delayMillis;
    /** With {@link #hang}: a token every 20 ms until cancelled (a stream whose client goes away). */
    volatile boolean trickle;
    /** With {@link #trickle}: the tokens complete no character (empty deltas), so a stream writes nothing. */
    volatile boolean silent;
    final AtomicInteger cancelled = new AtomicInteger();
    final AtomicInteger submitted = new AtomicInteger();
    final AtomicInteger loads = new AtomicInteger();
    /** {@code name=base+adapter} of the last load that succeeded. */
    volatile String lastLoaded;

    @Override
    public GenerationHandle submit(GenerationRequest request, TokenListener listener) {
        if (queueFull) {
            throw new EngineException(EngineException.Kind.QUEUE_FULL, "the queue is full (0 waiting allowed)");
        }
        submitted.incrementAndGet();
        CompletableFuture<GenerationResult> future = new CompletableFuture<>();
        String prompt = request.params().maxNewTokens() + ":" + request.input();
        if (hang && trickle) {
            Thread.ofVirtual().start(() -> {
                while (!future.isDone()) {
                    listener.onToken(1, silent ? "" : "t");
                    sleep(20);
                }
            });
        } else if (!hang) {
            Runnable finish = () -> {
                for (String t : List.of(" o", "k", "!")) {
                    listener.onToken(1, t);
                }
                future.complete(new GenerationResult(prompt, List.of(1, 2), List.of(4, 5, 6), prompt + " ok!", " ok!",
                        FinishReason.LENGTH, new GenerationResult.Timings(0, 1_000_000, 2_000_000)));
            };
            if (delayMillis > 0) {
                Thread.ofVirtual().start(() -> {
                    sleep(delayMillis);
                    finish.run();
                });
            } else {
                finish.run();
            }
        }
        return new GenerationHandle() {
            @Override
            public CompletableFuture<GenerationResult> result() {
                return future;
            }

            @Override
            public void cancel() {
                if (future.complete(new GenerationResult(prompt, List.of(), List.of(), prompt, "",
                        FinishReason.CANCELLED, new GenerationResult.Timings(0, 0, 0)))) {
                    cancelled.incrementAndGet();
                }
            }
        };
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void load(String name, ModelSpec spec) {
        loads.incrementAndGet();
        if (spec.baseModel().contains("missing") || (spec.adapter() != null && spec.adapter().contains("missing"))) {
            throw EngineException.notFound("no model folder or cached hub id '" + spec.baseModel() + "'");
        }
        lastLoaded = name + "=" + spec.baseModel() + "+" + spec.adapter();
    }

    @Override
    public boolean unload(String name) {
        return true;
    }

    @Override
    public int queued() {
        return 0;
    }

    /** Scoring is the real engine's (ServerIntegrationTest, V2ScoringTest): the protocol tests send none. */
    @Override
    public dev.peftbench.engine.score.ScoringHandle submitScores(dev.peftbench.engine.score.ScoreRequest request,
                                                                 dev.peftbench.engine.score.ScoreListener listener) {
        throw new UnsupportedOperationException("the fake engine scores no labels");
    }
}
