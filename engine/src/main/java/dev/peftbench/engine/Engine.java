package dev.peftbench.engine;

import java.util.List;
import java.util.Optional;

/**
 * The one engine of a process: loads base models and adapters under served names, and runs every
 * generation request (CLI, server, UI) through one scheduler per base model. Thread-safe.
 */
public final class Engine implements AutoCloseable {

    public Engine(EngineOptions options) {
        throw new UnsupportedOperationException("being written");
    }

    /**
     * Loads (or reloads) {@code name}. A base model already loaded by another name with the same
     * folder and runtime settings is shared, not loaded twice. Blocks until ready.
     *
     * @throws EngineException NOT_FOUND for a missing folder / hub id, LOAD_FAILED for a folder that cannot be used
     */
    public ServedModel load(String name, ModelSpec spec, LoadProgress progress) {
        throw new UnsupportedOperationException("being written");
    }

    /** Unloads {@code name}; its base model is freed once no other name uses it. False if unknown. */
    public boolean unload(String name) {
        throw new UnsupportedOperationException("being written");
    }

    public Optional<ServedModel> find(String name) {
        throw new UnsupportedOperationException("being written");
    }

    public List<ServedModel> models() {
        throw new UnsupportedOperationException("being written");
    }

    /**
     * Queues a request and returns at once; tokens go to {@code listener} as they are generated.
     *
     * @throws EngineException NOT_FOUND (unknown model), INVALID_INPUT (prompt too long), QUEUE_FULL
     */
    public GenerationHandle submit(GenerationRequest request, TokenListener listener) {
        throw new UnsupportedOperationException("being written");
    }

    /** Submits and waits; convenience for the CLI and tests. */
    public GenerationResult generate(GenerationRequest request, TokenListener listener) {
        throw new UnsupportedOperationException("being written");
    }

    public EngineStats stats() {
        throw new UnsupportedOperationException("being written");
    }

    /** Tokenizes with {@code name}'s tokenizer (template not applied); for token counts in the UI and server. */
    public List<Integer> tokenize(String name, String text) {
        throw new UnsupportedOperationException("being written");
    }

    /** Stops the schedulers after finishing in-flight requests, and frees every model. */
    @Override
    public void close() {
    }
}
