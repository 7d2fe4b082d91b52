package dev.peftbench.engine.arch.llama;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.arch.ConfigFields;
import dev.peftbench.engine.arch.ModelFamily;

/**
 * The Llama family's config.json (LlamaConfig, MistralConfig, Qwen2Config, Qwen3Config) as one set of
 * settings: the families compute the same layer and differ only in what these fields say, with each
 * config class's defaults for fields a file leaves out ({@link LlamaVariant}).
 *
 * @param qkvBias       biases on q_proj, k_proj and v_proj (Qwen2 always; Llama and Qwen3 with attention_bias)
 * @param outputBias    a bias on o_proj (Llama and Qwen3 with attention_bias)
 * @param mlpBias       biases on gate_proj, up_proj and down_proj (Llama's mlp_bias)
 * @param qkNorm        RMSNorm of every query and key head before RoPE (Qwen3's q_norm / k_norm)
 * @param slidingWindow positions each token may look back, or 0 when attention sees the whole sequence
 */
public record LlamaConfig(String architecture, int vocabSize, int hiddenSize, int layers, int heads, int kvHeads,
                          int headDim, int intermediateSize, float rmsNormEps, boolean tieWordEmbeddings,
                          boolean qkvBias, boolean outputBias, boolean mlpBias, boolean qkNorm, int slidingWindow,
                          float[] inverseFrequencies) implements ModelFamily.Shape {

    public LlamaConfig {
        if (vocabSize < 1 || hiddenSize < 1 || layers < 1 || heads < 1 || kvHeads < 1 || headDim < 2
                || intermediateSize < 1) {
            throw EngineException.loadFailed("config.json of " + architecture + ": vocab_size, hidden_size, num_hidden_layers, "
                    + "num_attention_heads, num_key_value_heads, head_dim and intermediate_size must be positive");
        }
        if (heads % kvHeads != 0) {
            throw EngineException.loadFailed("config.json of " + architecture + ": num_attention_heads " + heads
                    + " is not a multiple of num_key_value_heads " + kvHeads);
        }
        if (headDim % 2 != 0) {
            throw EngineException.loadFailed("config.json of " + architecture + ": head_dim " + headDim + " is odd; RoPE needs pairs");
        }
    }

    static LlamaConfig from(JsonNode json, LlamaVariant variant) {
        String architecture = variant.architecture().className();
        ConfigFields f = new ConfigFields(json, architecture);
        String act = json.path("hidden_act").asText("silu");
        if (!act.equals("silu")) {
            throw EngineException.loadFailed("hidden_act '" + act + "' of " + architecture + " is not supported; supported: silu");
        }
        int hidden = f.requireInt("hidden_size");
        int heads = f.requireInt("num_attention_heads");
        int headDim = f.intOr("head_dim", variant.headDim(hidden, heads));
        boolean attentionBias = f.booleanOr("attention_bias", false);
        boolean qkvBias = switch (variant.biases()) {
            case ATTENTION_BIAS -> attentionBias;
            case QKV_ALWAYS -> true;
        };
        boolean outputBias = variant.biases() == LlamaVariant.Biases.ATTENTION_BIAS && attentionBias;
        double theta = f.doubleOr("rope_theta", 10000);
        JsonNode scaling = RopeFrequencies.scaling(json);
        if (scaling != null) {
            theta = ConfigFields.number(scaling, "rope_theta", theta);
        }
        return new LlamaConfig(architecture, f.requireInt("vocab_size"), hidden, f.requireInt("num_hidden_layers"), heads,
                f.intOr("num_key_value_heads", heads), headDim, f.requireInt("intermediate_size"),
                (float) f.doubleOr("rms_norm_eps", 1e-6), f.booleanOr("tie_word_embeddings", false), qkvBias, outputBias,
                f.booleanOr("mlp_bias", false), variant.qkNorm(), slidingWindow(json, f, variant.window()),
                RopeFrequencies.of(json, theta, headDim, architecture));
    }

    /**
     * The attention window some layers use, or 0: any config whose {@code layer_types} name a sliding layer, Qwen's
     * with {@code use_sliding_window} too, and Mistral's {@code sliding_window} (4096 when the key is absent, none
     * when null).
     */
    private static int slidingWindow(JsonNode json, ConfigFields f, LlamaVariant.Window rule) {
        Integer window = f.optionalInt("sliding_window");
        if (rule == LlamaVariant.Window.MISTRAL_DEFAULT) {
            return json.has("sliding_window") ? (window == null ? 0 : window) : 4096;
        }
        boolean slidingLayers = false;
        for (JsonNode type : json.path("layer_types")) {
            slidingLayers |= type.asText().equals("sliding_attention");
        }
        boolean used = slidingLayers || (rule == LlamaVariant.Window.USE_SLIDING_WINDOW && f.booleanOr("use_sliding_window", false));
        return used && window != null ? window : 0;
    }

    /** Features of all query heads side by side: the input of o_proj. */
    public int attentionWidth() {
        return heads * headDim;
    }
}
