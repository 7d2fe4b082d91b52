package dev.peftbench.engine.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peftbench.engine.EngineException;

/**
 * The base model's sizes a prompt-learning config records, read from config.json as peft's
 * {@code _prepare_prompt_learning_config} reads them: {@code num_hidden_layers} / {@code num_layers} /
 * {@code n_layer}, {@code hidden_size} / {@code n_embd} / {@code d_model}, {@code num_attention_heads} /
 * {@code n_head} / {@code num_heads}.
 */
public record PromptLearningShape(int numLayers, int tokenDim, int numAttentionHeads) {

    public static PromptLearningShape of(JsonNode config) {
        return new PromptLearningShape(first(config, "num_layers", "num_hidden_layers", "num_layers", "n_layer"),
                first(config, "token_dim", "hidden_size", "n_embd", "d_model"),
                first(config, "num_attention_heads", "num_attention_heads", "n_head", "num_heads"));
    }

    private static int first(JsonNode config, String field, String... keys) {
        for (String key : keys) {
            if (config.path(key).canConvertToInt()) {
                return config.path(key).intValue();
            }
        }
        throw EngineException.loadFailed("config.json has none of " + String.join(", ", keys) + " (the " + field
                + " a prompt-tuning adapter records)");
    }
}
