package dev.peftbench.serve.metrics;

import dev.peftbench.engine.PrefixCacheStats;

import java.util.function.Supplier;

/**
 * The engine's prefix cache, read once per scrape: counters of prompt blocks and positions found in the cache (hits)
 * and not (misses: prefilled), of blocks evicted under the cap, and gauges of what it holds (vLLM exposes the same as
 * prefix_cache_queries / prefix_cache_hits, in tokens).
 */
record PrefixCacheMetrics(Supplier<PrefixCacheStats> stats) implements Metric {

    @Override
    public void writeTo(StringBuilder out) {
        PrefixCacheStats s = stats.get();
        write(out, "peftbench_prefix_cache_hit_blocks_total", "counter",
                "Prompt KV blocks found in the prefix cache instead of prefilled.", s.hitBlocks());
        write(out, "peftbench_prefix_cache_miss_blocks_total", "counter",
                "Prompt KV blocks looked up in the prefix cache and not found (prefilled, then cached).", s.missedBlocks());
        write(out, "peftbench_prefix_cache_hit_positions_total", "counter",
                "Prompt positions (virtual tokens and tokens) taken from the prefix cache.", s.hitPositions());
        write(out, "peftbench_prefix_cache_miss_positions_total", "counter",
                "Prompt positions prefilled by requests that looked up the prefix cache.", s.missedPositions());
        write(out, "peftbench_prefix_cache_evicted_blocks_total", "counter",
                "Unused cached KV blocks dropped, least recently used first, to stay under --prefix-cache-mib.", s.evictedBlocks());
        write(out, "peftbench_prefix_cache_blocks", "gauge", "KV blocks findable in the prefix cache, in use or not.",
                s.cachedBlocks());
        write(out, "peftbench_prefix_cache_idle_bytes", "gauge",
                "Memory of cached KV blocks no request uses (what --prefix-cache-mib bounds).", s.idleBytes());
    }

    private static void write(StringBuilder out, String name, String type, String help, long value) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
        out.append(name).append(' ').append(value).append('\n');
    }
}
