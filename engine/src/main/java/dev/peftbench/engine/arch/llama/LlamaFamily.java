package dev.peftbench.engine.arch.llama;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peftbench.engine.LoadProgress;
import dev.peftbench.engine.ModelInfo;
import dev.peftbench.engine.adapter.LoraTargets;
import dev.peftbench.engine.arch.CausalLm;
import dev.peftbench.engine.arch.ModelFamily;
import dev.peftbench.engine.load.GenerationConfig;
import dev.peftbench.engine.load.WeightSource;
import dev.peftbench.engine.tensor.TensorOps;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * Llama, Mistral, Qwen2 and Qwen3 (transformers' models/llama, mistral, qwen2, qwen3): one layer, computed by
 * {@link LlamaModel}, whose differences the config classes carry ({@link LlamaVariant}).
 */
public final class LlamaFamily implements ModelFamily<LlamaConfig> {

    private static final List<Architecture> ARCHITECTURES = Arrays.stream(LlamaVariant.values()).map(LlamaVariant::architecture).toList();

    @Override
    public List<Architecture> architectures() {
        return ARCHITECTURES;
    }

    @Override
    public LlamaConfig config(Architecture architecture, JsonNode json) {
        return LlamaConfig.from(json, LlamaVariant.of(architecture));
    }

    @Override
    public LoraTargets loraTargets(LlamaConfig config) {
        return LlamaModel.loraTargets(config);
    }

    /** Where transformers' {@code generate()} stops: generation_config.json's eos ids (Llama 3 instruct lists several). */
    @Override
    public List<Integer> eosTokenIds(Path dir, JsonNode json) {
        return GenerationConfig.eosTokenIds(dir, json);
    }

    @Override
    public CausalLm load(LlamaConfig config, WeightSource weights, TensorOps ops, ModelInfo info, LoadProgress progress) {
        return new LlamaModel(config, ops, weights, info, progress);
    }
}
