package dev.peftbench.engine.arch.llama;

import dev.peftbench.engine.arch.ModelFamily.Architecture;

import java.util.List;

/**
 * What the Llama family's config classes and attention modules do differently, one constant per transformers
 * class, so that {@link LlamaConfig} reads one set of fields without asking which class it is: head_dim when
 * config.json leaves it out (0: hidden_size / num_attention_heads), which projections carry biases, whether every
 * query and key head is RMS-normalised before RoPE (Qwen3Attention's q_norm / k_norm), and when attention slides.
 */
enum LlamaVariant {
    LLAMA("LlamaForCausalLM", "llama", 0, Biases.ATTENTION_BIAS, false, Window.LAYER_TYPES),
    MISTRAL("MistralForCausalLM", "mistral", 0, Biases.ATTENTION_BIAS, false, Window.MISTRAL_DEFAULT),
    QWEN2("Qwen2ForCausalLM", "qwen2", 0, Biases.QKV_ALWAYS, false, Window.USE_SLIDING_WINDOW),
    /** Qwen3Config defaults head_dim to 128. */
    QWEN3("Qwen3ForCausalLM", "qwen3", 128, Biases.ATTENTION_BIAS, true, Window.USE_SLIDING_WINDOW);

    /** Which attention projections carry biases. */
    enum Biases {
        /** q_proj, k_proj, v_proj and o_proj, all with {@code attention_bias} (LlamaAttention, Qwen3Attention). */
        ATTENTION_BIAS,
        /** q_proj, k_proj and v_proj always, o_proj never (Qwen2Attention). */
        QKV_ALWAYS
    }

    /** When attention slides (see {@link LlamaConfig#slidingWindow()}). */
    enum Window {
        /** Only when {@code layer_types} names a sliding_attention layer. */
        LAYER_TYPES,
        /** Also with Qwen's {@code use_sliding_window}. */
        USE_SLIDING_WINDOW,
        /** Mistral's {@code sliding_window}: MistralConfig's 4096 when the key is absent, none when it is null. */
        MISTRAL_DEFAULT
    }

    private final Architecture architecture;
    private final int defaultHeadDim;
    private final Biases biases;
    private final boolean qkNorm;
    private final Window window;

    LlamaVariant(String className, String modelType, int defaultHeadDim, Biases biases, boolean qkNorm, Window window) {
        // peft's default LoRA targets are q_proj and v_proj for every model type of the family.
        this.architecture = new Architecture(className, modelType, List.of("q_proj", "v_proj"));
        this.defaultHeadDim = defaultHeadDim;
        this.biases = biases;
        this.qkNorm = qkNorm;
        this.window = window;
    }

    Architecture architecture() {
        return architecture;
    }

    int headDim(int hidden, int heads) {
        return defaultHeadDim > 0 ? defaultHeadDim : hidden / heads;
    }

    Biases biases() {
        return biases;
    }

    boolean qkNorm() {
        return qkNorm;
    }

    Window window() {
        return window;
    }

    static LlamaVariant of(Architecture architecture) {
        for (LlamaVariant v : values()) {
            if (v.architecture.equals(architecture)) {
                return v;
            }
        }
        throw new IllegalArgumentException(architecture.className() + " is not of the Llama family");
    }
}
