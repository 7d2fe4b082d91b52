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
     * On the float32 bloomz-560m shape, a step with a 64-position chunk beside two decoding streams costs 3x (at
     * the start of an 1,850-position prompt) to 7.4x (at its end, attention over the longer cache) their decode
     * step alone (one core's CPU time), so streams whose tokens come every ~63 ms wait up to ~0.47 s; the prompt
     * pays its chunks' share of the streams' steps and one more pass over the weights per chunk. Prompts of 64
     * positions or fewer are never split.
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

    public EngineOptions(int queueCapacity, int maxBatch, int threads) {
        this(queueCapacity, maxBatch, threads, false, DEFAULT_MAX_PREFILL_TOKENS);
    }

    public static EngineOptions defaults() {
        return new EngineOptions(64, 16, Runtime.getRuntime().availableProcessors());
    }

    public EngineOptions withMaxPrefillTokens(int tokens) {
        return new EngineOptions(queueCapacity, maxBatch, threads, profile, tokens);
    }
}
