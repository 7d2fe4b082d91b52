package dev.peftbench.ui.serve;

import dev.peftbench.engine.Engine;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.GenerationHandle;
import dev.peftbench.engine.GenerationRequest;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.engine.TokenListener;
import dev.peftbench.serve.EngineGateway;

import java.time.LocalTime;
import java.util.function.Consumer;

/**
 * The server's way into the workbench's engine. It reports every generation the server runs (for the
 * request log), and it does not reload a model the workbench already has loaded under the same name:
 * the server serves exactly what the Prompt page uses.
 */
final class RecordingGateway implements EngineGateway {
    private final Engine engine;
    private final EngineGateway plain;
    private final Consumer<ServedRequest> log;

    RecordingGateway(Engine engine, Consumer<ServedRequest> log) {
        this.engine = engine;
        this.plain = EngineGateway.of(engine);
        this.log = log;
    }

    @Override
    public GenerationHandle submit(GenerationRequest request, TokenListener listener) {
        long start = System.nanoTime();
        GenerationHandle handle;
        try {
            handle = plain.submit(request, listener);
        } catch (EngineException e) {
            log.accept(new ServedRequest(LocalTime.now(), request.model(), elapsedMs(start), e.kind().name(), 0));
            throw e;
        }
        handle.result().whenComplete((result, error) -> log.accept(result != null
                ? new ServedRequest(LocalTime.now(), request.model(), elapsedMs(start),
                        "ok (" + result.finishReason().wireName() + ")", result.generatedTokenIds().size())
                : new ServedRequest(LocalTime.now(), request.model(), elapsedMs(start), status(error), 0)));
        return handle;
    }

    private static String status(Throwable error) {
        Throwable cause = error.getCause() != null ? error.getCause() : error;
        return cause instanceof EngineException e ? e.kind().name() : cause.getClass().getSimpleName();
    }

    private static double elapsedMs(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }

    @Override
    public void load(String name, ModelSpec spec) {
        if (engine.find(name).isEmpty()) {
            plain.load(name, spec);
        }
    }

    @Override
    public boolean unload(String name) {
        return plain.unload(name);
    }

    @Override
    public int queued() {
        return plain.queued();
    }
}
