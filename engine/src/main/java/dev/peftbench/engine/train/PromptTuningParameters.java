package dev.peftbench.engine.train;

import dev.peftbench.engine.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * Prompt tuning's virtual token embeddings {@code [num_virtual_tokens, token_dim]} (peft's
 * {@code PromptEmbedding}), saved as {@code prompt_embeddings}.
 *
 * @param init      peft's {@code prompt_tuning_init}: {@code TEXT} or {@code RANDOM} (kept as read when continuing)
 * @param initText  {@code prompt_tuning_init_text}, or null
 * @param tokenizer {@code tokenizer_name_or_path} (the tokenizer of a {@code TEXT} initialisation), or null
 */
public record PromptTuningParameters(Parameter embeddings, String init, String initText, String tokenizer,
                                     PromptLearningShape shape) implements TrainableAdapter {

    /** The tensor name peft's {@code get_peft_model_state_dict} gives a prompt-tuning adapter's embeddings. */
    public static final String TENSOR = "prompt_embeddings";

    public PromptTuningParameters {
        Objects.requireNonNull(init, "init");
        if (!embeddings.name().equals(TENSOR) || embeddings.cols() != shape.tokenDim()) {
            throw new IllegalArgumentException("prompt embeddings must be '" + TENSOR + "' [n, " + shape.tokenDim() + "]");
        }
    }

    /**
     * peft's {@code PromptTuningInit.TEXT}: the word embeddings of {@code textIds} (the init text as
     * {@code tokenizer(text)} encodes it) repeated or cut to {@code count} tokens.
     *
     * @param embeddingsOf the base model's word embeddings of some ids, {@code [ids · hidden]}
     */
    static PromptTuningParameters fromText(int count, String text, int[] textIds, String tokenizer, PromptLearningShape shape,
                                           java.util.function.Function<int[], float[]> embeddingsOf) {
        int[] ids = new int[count];
        for (int i = 0; i < count; i++) {
            ids[i] = textIds[i % textIds.length];
        }
        return new PromptTuningParameters(new Parameter(TENSOR, count, shape.tokenDim(), embeddingsOf.apply(ids)), "TEXT", text,
                tokenizer, shape);
    }

    /** peft's {@code PromptTuningInit.RANDOM}: a fresh {@code torch.nn.Embedding}, every value drawn from N(0, 1). */
    static PromptTuningParameters random(int count, PromptLearningShape shape, SplittableRandom random) {
        float[] values = new float[count * shape.tokenDim()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextGaussian();
        }
        return new PromptTuningParameters(new Parameter(TENSOR, count, shape.tokenDim(), values), "RANDOM", null, null, shape);
    }

    @Override
    public TuningMethod method() {
        return TuningMethod.PROMPT_TUNING;
    }

    @Override
    public List<Parameter> parameters() {
        return List.of(embeddings);
    }

    @Override
    public int virtualTokens() {
        return embeddings.rows();
    }

    @Override
    public RowMaker rows(List<Tensor> tensors) {
        return new RowMaker(tensors.getFirst(), null);
    }

    @Override
    public Map<String, Object> peftConfig(String baseModel) {
        // PromptTuningConfig's dataclass fields (with those of PromptLearningConfig, PeftConfig, PeftConfigMixin).
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("auto_mapping", null);
        c.put("base_model_name_or_path", baseModel);
        c.put("inference_mode", true);
        c.put("modules_to_save", null);
        c.put("num_attention_heads", shape.numAttentionHeads());
        c.put("num_layers", shape.numLayers());
        c.put("num_transformer_submodules", 1);
        c.put("num_virtual_tokens", embeddings.rows());
        c.put("peft_type", "PROMPT_TUNING");
        c.put("peft_version", PEFT_VERSION);
        c.put("prompt_tuning_init", init);
        c.put("prompt_tuning_init_text", initText);
        c.put("revision", null);
        c.put("task_type", "CAUSAL_LM");
        c.put("token_dim", shape.tokenDim());
        c.put("tokenizer_kwargs", null);
        c.put("tokenizer_name_or_path", tokenizer);
        return c;
    }
}
