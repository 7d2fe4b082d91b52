package dev.peftbench.engine.arch.bloom;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peftbench.engine.LoadProgress;
import dev.peftbench.engine.ModelInfo;
import dev.peftbench.engine.adapter.LoraTargets;
import dev.peftbench.engine.arch.CausalLm;
import dev.peftbench.engine.arch.ModelFamily;
import dev.peftbench.engine.load.WeightSource;
import dev.peftbench.engine.tensor.TensorOps;

import java.nio.file.Path;
import java.util.List;

/** BLOOM (transformers' models/bloom): one class, BloomForCausalLM. */
public final class BloomFamily implements ModelFamily<BloomConfig> {

    static final Architecture BLOOM = new Architecture("BloomForCausalLM", "bloom", List.of("query_key_value"));

    /**
     * The reference scenario's {@code eos_token_id=3}, which its runtime passes to every {@code generate()}: this
     * engine's BLOOM default, whatever the snapshot's generation_config.json says (the fixtures' say 2, {@code </s>}).
     */
    static final List<Integer> EOS_TOKEN_IDS = List.of(3);

    @Override
    public List<Architecture> architectures() {
        return List.of(BLOOM);
    }

    @Override
    public BloomConfig config(Architecture architecture, JsonNode json) {
        return BloomConfig.from(json);
    }

    @Override
    public LoraTargets loraTargets(BloomConfig config) {
        return BloomModel.loraTargets(config);
    }

    @Override
    public List<Integer> eosTokenIds(Path dir, JsonNode json) {
        return EOS_TOKEN_IDS;
    }

    @Override
    public CausalLm load(BloomConfig config, WeightSource weights, TensorOps ops, ModelInfo info, LoadProgress progress) {
        return new BloomModel(config, ops, weights, info, progress);
    }
}
