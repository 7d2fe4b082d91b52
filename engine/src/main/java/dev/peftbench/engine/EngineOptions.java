package dev.peftbench.engine;

/**
 * Engine-wide settings.
 *
 * @param queueCapacity     requests waiting beyond the running batch; more are refused with QUEUE_FULL
 * @param maxBatch          sequences decoded together per step
 * @param threads           CPU kernel worker threads
 * @param profile           time every tensor operation (for {@code bench --profile}); off in production
 * @param maxPrefillTokens  prompt positions (virtual tokens included) prefilled per step, beside every running
 *                          sequence's decode: longer prompts are prefilled in chunks, so running streams keep
 *                          getting tokens (vLLM's chunked prefill, TGI's max-batch-prefill-tokens)
 */
public record EngineOptions(int queueCapacity, int maxBatch, int threads, boolean profile, int maxPrefillTokens) {

    /**
     * A chunk of 64 positions costs about 0.3-0.4 s on the float32 bloomz-560m shape with 1,850 positions already
     * cached on a 2-core machine, so streams running beside a long prefill wait under half a second between
     * tokens; the weights are streamed once more per chunk, which a prompt of 32 tokens never pays.
     */
    public static final int DEFAULT_MAX_PREFILL_TOKENS = 64;

    public EngineOptions {
        if (queueCapacity < 0) throw EngineException.invalid("queue capacity must be >= 0, got " + queueCapacity);
        if (maxBatch < 1) throw EngineException.invalid("max batch must be >= 1, got " + maxBatch);
        if (threads < 1) throw EngineException.invalid("threads must be >= 1, got " + threads);
        if (maxPrefillTokens < 1) {
            throw EngineException.invalid("max prefill tokens per step must be >= 1, got " + maxPrefillTokens);
        }
    }

    public EngineOptions(int queueCapacity, int maxBatch, int threads, boolean profile) {
        this(queueCapacity, maxBatch, threads, profile, DEFAULT_MAX_PREFILL_TOKENS);
    }

    public EngineOptions(int queueCapacity, int maxBatch, int threads) {
        this(queueCapacity, maxBatch, threads, false);
    }

    public static EngineOptions defaults() {
        return new EngineOptions(64, 16, Runtime.getRuntime().availableProcessors());
    }

    public EngineOptions withMaxPrefillTokens(int tokens) {
        return new EngineOptions(queueCapacity, maxBatch, threads, profile, tokens);
    }
}
