package dev.peftbench.engine;

/**
 * Engine-wide settings.
 *
 * @param queueCapacity requests waiting beyond the running batch; more are refused with QUEUE_FULL
 * @param maxBatch      sequences decoded together per step
 * @param threads       CPU kernel worker threads
 * @param profile       time every tensor operation (for {@code bench --profile}); off in production
 */
public record EngineOptions(int queueCapacity, int maxBatch, int threads, boolean profile) {
    public EngineOptions {
        if (queueCapacity < 0) throw EngineException.invalid("queue capacity must be >= 0, got " + queueCapacity);
        if (maxBatch < 1) throw EngineException.invalid("max batch must be >= 1, got " + maxBatch);
        if (threads < 1) throw EngineException.invalid("threads must be >= 1, got " + threads);
    }

    public EngineOptions(int queueCapacity, int maxBatch, int threads) {
        this(queueCapacity, maxBatch, threads, false);
    }

    public static EngineOptions defaults() {
        return new EngineOptions(64, 16, Runtime.getRuntime().availableProcessors());
    }
}
