package dev.peftbench.serve.metrics;

import dev.peftbench.engine.PrefixCacheStats;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

class ServeMetricsTest {

    @Test
    void scrapeHasCountersHistogramBucketsAndGauges() {
        ServeMetrics m = new ServeMetrics(() -> 3, () -> 1, () -> PrefixCacheStats.NONE);
        m.requestDone("infer", 0.02);
        m.requestDone("infer", 7);
        m.requestFailed("infer", "400");
        m.generated("peft-demo", 10, 0.03);
        String text = m.scrape();
        assertTrue(text.contains("peftbench_requests_total{endpoint=\"infer\"} 2"), text);
        assertTrue(text.contains("peftbench_request_errors_total{endpoint=\"infer\",status=\"400\"} 1"), text);
        assertTrue(text.contains("peftbench_request_duration_seconds_bucket{endpoint=\"infer\",le=\"0.025\"} 1"), text);
        assertTrue(text.contains("peftbench_request_duration_seconds_bucket{endpoint=\"infer\",le=\"+Inf\"} 2"), text);
        assertTrue(text.contains("peftbench_generated_tokens_total{model=\"peft-demo\"} 10"), text);
        assertTrue(text.contains("peftbench_time_to_first_token_seconds_count 1"), text);
        assertTrue(text.contains("peftbench_queue_depth 3"), text);
        assertTrue(text.contains("peftbench_loaded_models 1"), text);
    }

    @Test
    void prefixCacheCountsAreCountersAndWhatItHoldsGauges() {
        ServeMetrics m = new ServeMetrics(() -> 0, () -> 1, () -> new PrefixCacheStats(5, 2, 80, 37, 1, 9, 3 << 20));

        String text = m.scrape();

        assertTrue(text.contains("# TYPE peftbench_prefix_cache_hit_blocks_total counter\npeftbench_prefix_cache_hit_blocks_total 5\n"), text);
        assertTrue(text.contains("peftbench_prefix_cache_miss_blocks_total 2\n"), text);
        assertTrue(text.contains("peftbench_prefix_cache_hit_positions_total 80\n"), text);
        assertTrue(text.contains("peftbench_prefix_cache_miss_positions_total 37\n"), text);
        assertTrue(text.contains("peftbench_prefix_cache_evicted_blocks_total 1\n"), text);
        assertTrue(text.contains("# TYPE peftbench_prefix_cache_blocks gauge\npeftbench_prefix_cache_blocks 9\n"), text);
        assertTrue(text.contains("peftbench_prefix_cache_idle_bytes 3145728\n"), text);
    }
}
