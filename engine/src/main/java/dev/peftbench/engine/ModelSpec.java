package dev.peftbench.engine;

import dev.peftbench.engine.generate.PromptTemplate;

/**
 * What to load under one served name: a base model (a snapshot folder or a Hub id, from the local HF
 * cache or downloaded into it), an optional PEFT adapter (folder or Hub id), the prompt template, and how to run it.
 *
 * @param maxPromptTokens prompts longer than this (template applied, virtual tokens excluded) are refused; a
 *                        prompt whose UTF-8 size passes {@link #maxPromptBytes()} is refused before it is tokenized
 */
public record ModelSpec(String baseModel, String adapter, PromptTemplate template, Device device,
                        ComputeType dtype, Backend backend, int maxPromptTokens) {

    public static final int DEFAULT_MAX_PROMPT_TOKENS = 2048;
    /** How a model runs when nothing says otherwise. */
    public static final Device DEFAULT_DEVICE = Device.CPU;
    public static final ComputeType DEFAULT_DTYPE = ComputeType.FLOAT32;
    public static final Backend DEFAULT_BACKEND = Backend.AUTO;
    /**
     * More UTF-8 bytes per token than any text has on average: BPE tokens of real text average 3-5 bytes
     * and the longest vocabulary entries (runs of spaces) are tens of bytes.
     */
    public static final int MAX_BYTES_PER_TOKEN = 32;

    public ModelSpec {
        if (baseModel == null || baseModel.isBlank()) {
            throw EngineException.invalid("no base model given: set {0}", InputField.MODEL);
        }
        if (adapter != null && adapter.isBlank()) {
            adapter = null;
        }
        template = template == null ? PromptTemplate.parse("seed", null) : template;
        device = device == null ? DEFAULT_DEVICE : device;
        dtype = dtype == null ? DEFAULT_DTYPE : dtype;
        backend = backend == null ? DEFAULT_BACKEND : backend;
        if (maxPromptTokens < 1) {
            throw EngineException.invalid("max prompt tokens must be >= 1, got " + maxPromptTokens);
        }
    }

    /** The largest prompt, in UTF-8 bytes, worth tokenizing: one larger cannot fit {@link #maxPromptTokens}. */
    public long maxPromptBytes() {
        return (long) maxPromptTokens * MAX_BYTES_PER_TOKEN;
    }

    /** CPU, float32, the default backend and prompt limit. */
    public static ModelSpec of(String baseModel, String adapter, PromptTemplate template) {
        return new ModelSpec(baseModel, adapter, template, DEFAULT_DEVICE, DEFAULT_DTYPE, DEFAULT_BACKEND,
                DEFAULT_MAX_PROMPT_TOKENS);
    }

    public ModelSpec withTemplate(PromptTemplate t) {
        return new ModelSpec(baseModel, adapter, t, device, dtype, backend, maxPromptTokens);
    }

    public ModelSpec withRuntime(Device d, ComputeType c, Backend b) {
        return new ModelSpec(baseModel, adapter, template, d, c, b, maxPromptTokens);
    }
}
