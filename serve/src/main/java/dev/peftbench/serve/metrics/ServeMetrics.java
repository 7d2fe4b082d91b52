package dev.peftbench.serve.metrics;

import dev.peftbench.engine.PrefixCacheStats;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;

/**
 * The server's metrics: requests, errors, latency and time-to-first-token histograms, generated tokens,
 * queue depth, loaded models and the prefix cache, written for {@code GET /metrics} and as a {@link MetricsSnapshot}.
 */
public final class ServeMetrics {

    private static final double[] LATENCY_BUCKETS =
            {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120};

    private final Counter requests = new Counter("peftbench_requests_total",
            "Requests answered, by endpoint.");
    private final Counter errors = new Counter("peftbench_request_errors_total",
            "Requests answered with an error, by endpoint and status (HTTP status or gRPC code).");
    private final Counter cancels = new Counter("peftbench_request_cancels_total",
            "Requests whose client went away or cancelled before the answer, by endpoint (not errors: nobody was answered).");
    private final Histogram latency = new Histogram("peftbench_request_duration_seconds",
            "Time to answer a request, by endpoint.", LATENCY_BUCKETS);
    private final Histogram timeToFirstToken = new Histogram("peftbench_time_to_first_token_seconds",
            "Time from submission (queue included) to the first generated token.", LATENCY_BUCKETS);
    private final Counter generatedTokens = new Counter("peftbench_generated_tokens_total",
            "Tokens generated, by model.");
    private final List<Metric> all = new ArrayList<>(List.of(requests, errors, cancels, latency, timeToFirstToken,
            generatedTokens));

    private final DoubleSupplier queueDepth;
    private final DoubleSupplier loadedModels;

    public ServeMetrics(DoubleSupplier queueDepth, DoubleSupplier loadedModels, Supplier<PrefixCacheStats> prefixCache) {
        this.queueDepth = queueDepth;
        this.loadedModels = loadedModels;
        all.add(new Gauge("peftbench_queue_depth", "Requests waiting in the engine's shared queue.", queueDepth));
        all.add(new Gauge("peftbench_loaded_models", "Models loaded and ready.", loadedModels));
        all.add(new PrefixCacheMetrics(prefixCache));
    }

    /** The same numbers as {@link #scrape()}, summed over labels; means in milliseconds (0 before any). */
    public MetricsSnapshot snapshot() {
        return new MetricsSnapshot(requests.total(), errors.total(), meanMillis(latency), meanMillis(timeToFirstToken),
                generatedTokens.total(), Math.round(queueDepth.getAsDouble()), Math.round(loadedModels.getAsDouble()));
    }

    private static double meanMillis(Histogram h) {
        long n = h.count();
        return n == 0 ? 0 : h.sum() / n * 1000;
    }

    public void requestDone(String endpoint, double seconds) {
        String labels = label("endpoint", endpoint);
        requests.increment(labels);
        latency.observe(labels, seconds);
    }

    public void requestFailed(String endpoint, String status) {
        errors.increment(label("endpoint", endpoint) + "," + label("status", status));
    }

    /** The client disconnected, or cancelled its call, before it was answered. */
    public void requestCancelled(String endpoint) {
        cancels.increment(label("endpoint", endpoint));
    }

    public void generated(String model, int tokens, double timeToFirstTokenSeconds) {
        generatedTokens.add(label("model", model), tokens);
        if (tokens > 0) {
            timeToFirstToken.observe("", timeToFirstTokenSeconds);
        }
    }

    /** The whole exposition, {@code text/plain; version=0.0.4}. */
    public String scrape() {
        StringBuilder out = new StringBuilder(4096);
        all.forEach(m -> m.writeTo(out));
        return out.toString();
    }

    private static String label(String key, String value) {
        return key + "=\"" + PrometheusText.escape(value) + "\"";
    }
}
