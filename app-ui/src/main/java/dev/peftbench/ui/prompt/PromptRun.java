package dev.peftbench.ui.prompt;

import dev.peftbench.engine.Engine;
import dev.peftbench.engine.GenerationHandle;
import dev.peftbench.engine.GenerationRequest;
import dev.peftbench.engine.GenerationResult;
import javafx.concurrent.Task;

import java.util.concurrent.ExecutionException;

/**
 * One generation on a background thread: submits to the engine, streams into a {@link TokenStream}
 * and waits for the result. {@link #stop()} cancels in the engine, which still answers with the
 * tokens so far (finish reason {@code cancelled}), so a stopped run keeps its partial output.
 */
final class PromptRun extends Task<GenerationResult> {
    private final Engine engine;
    private final GenerationRequest request;
    private final TokenStream stream;
    private volatile GenerationHandle handle;
    private volatile boolean stopRequested;

    PromptRun(Engine engine, GenerationRequest request, TokenStream stream) {
        this.engine = engine;
        this.request = request;
        this.stream = stream;
    }

    GenerationRequest request() {
        return request;
    }

    TokenStream stream() {
        return stream;
    }

    @Override
    protected GenerationResult call() throws Exception {
        updateMessage("Generating with " + request.model() + (request.useAdapter() ? "" : " (no adapter)") + "…");
        handle = engine.submit(request, stream);
        // Stop may have been pressed while submit was still running: honour it now that there is a handle.
        if (stopRequested) {
            handle.cancel();
        }
        try {
            return handle.result().get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }

    void stop() {
        stopRequested = true;
        GenerationHandle h = handle;
        if (h != null) {
            h.cancel();
        }
    }
}
