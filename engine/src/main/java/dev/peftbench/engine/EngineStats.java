package dev.peftbench.engine;

/** A snapshot of the engine's load, for metrics and the UI. */
public record EngineStats(int queued, int running, long generatedTokens, int loadedModels) {
}
