package dev.peftbench.engine.arch.bloom;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.arch.ConfigFields;
import dev.peftbench.engine.arch.ModelFamily;

/**
 * The fields of transformers' {@code BloomConfig} the forward pass needs, read from config.json
 * (accepting its attribute aliases: n_embed / hidden_size, n_layer / num_hidden_layers,
 * n_head / num_attention_heads).
 */
public record BloomConfig(int vocabSize, int hiddenSize, int layers, int heads, float layerNormEpsilon,
                          boolean residualPostLayerNorm, boolean tieWordEmbeddings) implements ModelFamily.Shape {

    public BloomConfig {
        if (vocabSize < 1 || hiddenSize < 1 || layers < 1 || heads < 1) {
            throw EngineException.loadFailed("config.json: vocab_size, hidden_size, n_layer and n_head must be positive");
        }
        if (hiddenSize % heads != 0) {
            throw EngineException.loadFailed("config.json: hidden_size " + hiddenSize + " is not divisible by n_head " + heads);
        }
    }

    public int headDim() {
        return hiddenSize / heads;
    }

    static BloomConfig from(JsonNode config) {
        ConfigFields f = new ConfigFields(config, "BLOOM");
        return new BloomConfig(
                f.requireInt("vocab_size"),
                f.requireInt("hidden_size", "n_embed"),
                f.requireInt("n_layer", "num_hidden_layers"),
                f.requireInt("n_head", "num_attention_heads"),
                (float) f.doubleOr("layer_norm_epsilon", 1e-5),
                f.booleanOr("apply_residual_connection_post_layernorm", false),
                f.booleanOr("tie_word_embeddings", true));
    }

    /**
     * ALiBi head slopes, as modeling_bloom.build_alibi_tensor: a geometric sequence for the closest
     * power of two, interleaved extra slopes for the remaining heads.
     */
    public float[] alibiSlopes() {
        int closest = Integer.highestOneBit(heads);
        double base = Math.pow(2, -Math.pow(2, -(log2(closest) - 3)));
        float[] slopes = new float[heads];
        for (int i = 0; i < closest; i++) {
            slopes[i] = (float) Math.pow(base, i + 1);
        }
        if (closest != heads) {
            double extraBase = Math.pow(2, -Math.pow(2, -(log2(2 * closest) - 3)));
            int remaining = Math.min(closest, heads - closest);
            for (int i = 0; i < remaining; i++) {
                slopes[closest + i] = (float) Math.pow(extraBase, 2 * i + 1);
            }
        }
        return slopes;
    }

    private static double log2(int x) {
        return Math.log(x) / Math.log(2);
    }
}
