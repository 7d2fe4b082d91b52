package dev.peftbench.engine;

/**
 * Engine-wide settings.
 *
 * @param queueCapacity     requests waiting beyond the running batch; more are refused with QUEUE_FULL
 * @param maxBatch          sequences decoded together per step
 * @param threads           CPU kernel worker threads
 * @param profile           time every tensor operation (for {@code bench --profile}); off in production
 * @param maxPrefillTokens  prompt positions (virtual tokens included) prefilled per step at most: longer prompts are
 *                          prefilled in chunks, so running streams keep getting tokens (vLLM's chunked prefill, TGI's
 *                          max-batch-prefill-tokens)
 * @param stepTargetMs      while sequences decode, how long a step with a prompt chunk should take (their wait for a
 *                          token): chunks are sized from measured steps to stay near it; 0 = chunks of
 *                          {@code maxPrefillTokens} whatever they cost
 * @param prefixCacheBytes  KV blocks no running sequence uses kept for later prompts that start the same way (vLLM's
 *                          automatic prefix caching), least recently used evicted first; 0 = off
 */
public record EngineOptions(int queueCapacity, int maxBatch, int threads, boolean profile, int maxPrefillTokens,
                            int stepTargetMs, long prefixCacheBytes) {

    /**
     * With nothing decoding, a prompt goes 256 positions a step: a 1,850-position prompt alone on the float32
     * bloomz-560m shape takes 7.9-8.6 s so, against 7.1-8.2 s in one step (each step reads the weights again), and
     * the engine's warm-up runs a step this wide, so no wider activation array is first allocated mid-generation.
     */
    public static final int DEFAULT_MAX_PREFILL_TOKENS = 256;

    /**
     * Decoding streams get a token about every 0.4 s at worst while a long prompt prefills (a step of two float32
     * bloomz-560m streams alone takes ~0.11 s on a 2-core VM). Each chunk costs the prompt one of the streams' steps
     * (the step reads every weight once more), so a larger target gets the prompt its first token sooner.
     */
    public static final int DEFAULT_STEP_TARGET_MS = 400;

    /** Requests that may wait beyond the running batch before new ones are refused. */
    public static final int DEFAULT_QUEUE_CAPACITY = 64;

    /**
     * Holds a ~1,300-position prefix of the bloomz-560m shape, whose float32 keys and values take 192 KiB per position
     * (24 layers x 16 heads x 64 x 2 x 4 bytes; Qwen2.5-0.5B's 2 KV heads take 24 KiB, so 10,000 positions): a long
     * system prompt or document and a few conversations. The memory is taken only as blocks are cached, and at most
     * this much beyond what running sequences hold.
     */
    public static final long DEFAULT_PREFIX_CACHE_BYTES = 256L << 20;

    public EngineOptions {
        if (queueCapacity < 0) throw EngineException.invalid("{0} must be >= 0, got " + queueCapacity, InputField.QUEUE_CAPACITY);
        if (maxBatch < 1) throw EngineException.invalid("{0} must be >= 1, got " + maxBatch, InputField.MAX_BATCH);
        if (threads < 1) throw EngineException.invalid("{0} must be >= 1, got " + threads, InputField.THREADS);
        if (maxPrefillTokens < 1) {
            throw EngineException.invalid("{0} must be >= 1, got " + maxPrefillTokens, InputField.MAX_PREFILL_TOKENS);
        }
        if (stepTargetMs < 0) {
            throw EngineException.invalid("{0} must be >= 0 (0 = off), got " + stepTargetMs, InputField.STEP_TARGET_MS);
        }
        if (prefixCacheBytes < 0) {
            throw EngineException.invalid("{0} must be >= 0 (0 = off), got " + prefixCacheBytes + " bytes",
                    InputField.PREFIX_CACHE_SIZE);
        }
    }

    public EngineOptions(int queueCapacity, int maxBatch, int threads) {
        this(queueCapacity, maxBatch, threads, false, DEFAULT_MAX_PREFILL_TOKENS, DEFAULT_STEP_TARGET_MS,
                DEFAULT_PREFIX_CACHE_BYTES);
    }

    public static EngineOptions defaults() {
        return new EngineOptions(DEFAULT_QUEUE_CAPACITY, 16, Runtime.getRuntime().availableProcessors());
    }

    public EngineOptions withMaxPrefillTokens(int tokens) {
        return new EngineOptions(queueCapacity, maxBatch, threads, profile, tokens, stepTargetMs, prefixCacheBytes);
    }

    public EngineOptions withStepTargetMs(int ms) {
        return new EngineOptions(queueCapacity, maxBatch, threads, profile, maxPrefillTokens, ms, prefixCacheBytes);
    }

    public EngineOptions withPrefixCacheBytes(long bytes) {
        return new EngineOptions(queueCapacity, maxBatch, threads, profile, maxPrefillTokens, stepTargetMs, bytes);
    }
}
