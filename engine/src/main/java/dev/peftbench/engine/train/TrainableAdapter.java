package dev.peftbench.engine.train;

import dev.peftbench.engine.adapter.LoraAdapter;
import dev.peftbench.engine.arch.ForwardRow;
import dev.peftbench.engine.tensor.KvCache;
import dev.peftbench.engine.tensor.Tensor;

import java.util.List;
import java.util.Map;

/**
 * An adapter being trained: its parameters (what the optimizer changes; the base model never changes),
 * how a row of a forward carries it, and the {@code adapter_config.json} fields peft writes for it.
 */
public sealed interface TrainableAdapter permits PromptTuningParameters, LoraParameters {

    /** The version of peft whose {@code save_pretrained} output this project writes (its {@code peft_version}). */
    String PEFT_VERSION = "0.20.0";

    TuningMethod method();

    List<Parameter> parameters();

    /** Positions every row gets in front of its ids (prompt tuning's virtual tokens). */
    int virtualTokens();

    /** Makes forward rows that carry this adapter, its parameters being the backend tensors {@code tensors} (same order). */
    RowMaker rows(List<Tensor> tensors);

    /**
     * The fields of {@code adapter_config.json} as peft's {@code PeftConfig.to_dict()} gives them after
     * {@code PeftModel.save_pretrained} ({@code inference_mode} true), for a base model named {@code baseModel}.
     */
    Map<String, Object> peftConfig(String baseModel);

    /**
     * What a forward row carries of the adapter: prompt tuning's virtual tokens ({@code prefix}) or LoRA's weights
     * ({@code lora}), the other null. Label scoring takes both as they are; training and generation make rows with
     * {@link #row}.
     */
    record RowMaker(Tensor prefix, LoraAdapter lora) {
        /** A row of {@code ids} in {@code cache}: the virtual tokens open a sequence, later steps feed only the new ids. */
        public ForwardRow row(KvCache cache, int[] ids) {
            return new ForwardRow(cache, ids, prefix != null && cache.length() == 0 ? prefix : null, lora);
        }
    }
}
