package dev.peftbench.serve.metrics;

/**
 * The server's numbers at one moment, read from the same counters {@code GET /metrics} writes, summed
 * over their labels: for an embedding that shows them without scraping its own process over HTTP.
 */
public record MetricsSnapshot(long requests, long errors, double meanLatencyMs, double meanTimeToFirstTokenMs,
                              long generatedTokens, long queueDepth, long loadedModels) {
}
