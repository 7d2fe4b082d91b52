package dev.peftbench.serve;

import dev.peftbench.engine.Engine;
import dev.peftbench.engine.GenerationHandle;
import dev.peftbench.engine.GenerationRequest;
import dev.peftbench.engine.LoadProgress;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.engine.PrefixCacheStats;
import dev.peftbench.engine.ServedModel;
import dev.peftbench.engine.TokenListener;
import dev.peftbench.engine.score.ScoreListener;
import dev.peftbench.engine.score.ScoreRequest;
import dev.peftbench.engine.score.ScoringHandle;

import java.util.List;
import java.util.Optional;

/**
 * The part of the {@link Engine} the server uses. It exists so the protocol layer's unit tests can
 * stand in a fake for paths the real engine reaches only under load (queue full, timeout); everything
 * else runs on {@link #of(Engine)}.
 */
public interface EngineGateway {

    GenerationHandle submit(GenerationRequest request, TokenListener listener);

    /** Label scoring ({@link Engine#submitScores}). */
    ScoringHandle submitScores(ScoreRequest request, ScoreListener listener);

    void load(String name, ModelSpec spec);

    boolean unload(String name);

    /** Requests waiting in the shared queue, for the queue-depth gauge. */
    int queued();

    /** What the engine's prefix cache did and holds, for its metrics. */
    default PrefixCacheStats prefixCache() {
        return PrefixCacheStats.NONE;
    }

    /** What is loaded under {@code name} (sizes for ModelMesh); empty when unknown or not tracked. */
    default Optional<ServedModel> find(String name) {
        return Optional.empty();
    }

    /** Every loaded model. */
    default List<ServedModel> models() {
        return List.of();
    }

    static EngineGateway of(Engine engine) {
        return new EngineGateway() {
            @Override
            public GenerationHandle submit(GenerationRequest request, TokenListener listener) {
                return engine.submit(request, listener);
            }

            @Override
            public ScoringHandle submitScores(ScoreRequest request, ScoreListener listener) {
                return engine.submitScores(request, listener);
            }

            @Override
            public void load(String name, ModelSpec spec) {
                engine.load(name, spec, LoadProgress.NONE);
            }

            @Override
            public boolean unload(String name) {
                return engine.unload(name);
            }

            @Override
            public int queued() {
                return engine.stats().queued();
            }

            @Override
            public PrefixCacheStats prefixCache() {
                return engine.stats().prefixCache();
            }

            @Override
            public Optional<ServedModel> find(String name) {
                return engine.find(name);
            }

            @Override
            public List<ServedModel> models() {
                return engine.models();
            }
        };
    }
}
