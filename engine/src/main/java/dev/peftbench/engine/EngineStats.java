package dev.peftbench.engine;

/** A snapshot of the engine's load, for metrics and the UI; {@code prefixCache} summed over the loaded base models. */
public record EngineStats(int queued, int running, long generatedTokens, int loadedModels, PrefixCacheStats prefixCache) {
}
