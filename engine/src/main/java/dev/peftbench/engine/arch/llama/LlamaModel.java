package dev.peftbench.engine.arch.llama;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.LoadProgress;
import dev.peftbench.engine.ModelInfo;
import dev.peftbench.engine.adapter.LoraTargets;
import dev.peftbench.engine.arch.DecoderModel;
import dev.peftbench.engine.load.WeightSource;
import dev.peftbench.engine.tensor.PositionScheme;
import dev.peftbench.engine.tensor.QkvLayout;
import dev.peftbench.engine.tensor.Tensor;
import dev.peftbench.engine.tensor.TensorOps;

import java.util.List;

/**
 * LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM and Qwen3ForCausalLM (transformers'
 * modeling_llama.py, modeling_mistral.py, modeling_qwen2.py, modeling_qwen3.py) as one implementation, the
 * differences read from {@link LlamaConfig}: token embeddings -> layers (RMSNorm, q/k/v projections with
 * optional biases, optional per-head RMSNorm of q and k, RoPE, grouped-query attention, o_proj + residual,
 * RMSNorm, SiLU-gated MLP + residual) -> RMSNorm -> lm_head (own or tied).
 */
public final class LlamaModel extends DecoderModel {

    /** The projections LoRA may adapt in a layer, in {@link #loraTargets()}'s order. */
    private static final int Q_PROJ = 0;
    private static final int K_PROJ = 1;
    private static final int V_PROJ = 2;
    private static final int O_PROJ = 3;
    private static final int GATE_PROJ = 4;
    private static final int UP_PROJ = 5;
    private static final int DOWN_PROJ = 6;

    private final LlamaConfig config;
    private final LlamaWeights weights;
    private final QkvLayout layout;
    private final PositionScheme rotary;
    private final LoraTargets loraTargets;

    LlamaModel(LlamaConfig config, TensorOps ops, WeightSource source, ModelInfo info, LoadProgress progress) {
        super(ops, info, config.kvHeads(), config.headDim());
        this.config = config;
        this.layout = QkvLayout.stacked(config.heads(), config.kvHeads(), config.headDim());
        this.rotary = new PositionScheme.Rotary(config.inverseFrequencies());
        this.weights = LlamaWeights.load(source, config, ops, progress);
        this.loraTargets = loraTargets(config);
    }

    /** The projections of a layer LoRA may adapt, as {@code save_pretrained} names them, and their shapes. */
    static LoraTargets loraTargets(LlamaConfig config) {
        int hidden = config.hiddenSize();
        int kv = config.kvHeads() * config.headDim();
        int inter = config.intermediateSize();
        return new LoraTargets(config.architecture(), List.of("model.layers.", "layers."), config.layers(), List.of(
                new LoraTargets.Target("self_attn.q_proj", hidden, config.attentionWidth()),
                new LoraTargets.Target("self_attn.k_proj", hidden, kv),
                new LoraTargets.Target("self_attn.v_proj", hidden, kv),
                new LoraTargets.Target("self_attn.o_proj", config.attentionWidth(), hidden),
                new LoraTargets.Target("mlp.gate_proj", hidden, inter),
                new LoraTargets.Target("mlp.up_proj", hidden, inter),
                new LoraTargets.Target("mlp.down_proj", inter, hidden)));
    }

    @Override
    public LoraTargets loraTargets() {
        return loraTargets;
    }

    /** Sliding-window attention is not implemented: a sequence that would slide is refused, never computed differently. */
    @Override
    public void checkSequenceLength(int positions) {
        if (config.slidingWindow() > 0 && positions > config.slidingWindow()) {
            throw EngineException.invalid("the sequence would take " + positions + " positions (prompt, virtual tokens and "
                    + "max_new_tokens), more than " + config.architecture() + "'s sliding_window of " + config.slidingWindow()
                    + "; sliding-window attention is not supported: shorten the prompt or lower max_new_tokens");
        }
    }

    @Override
    protected Tensor wordEmbeddings() {
        return weights.embeddings();
    }

    @Override
    protected Tensor head(Tensor hidden) {
        Tensor normed = ops.rmsNorm(hidden, weights.finalNorm(), config.rmsNormEps());
        Tensor logits = ops.linear(normed, weights.lmHead(), null);
        ops.recycle(normed);
        return logits;
    }

    /** modeling_llama.LlamaDecoderLayer.forward (Qwen3DecoderLayer with its q_norm / k_norm). */
    @Override
    protected Tensor layer(int l, Tensor hidden, Batch batch) {
        LlamaWeights.Layer w = weights.layers().get(l);
        float eps = config.rmsNormEps();
        Tensor normed = ops.rmsNorm(hidden, w.inputNorm(), eps);
        Tensor qkv = ops.linear(normed, w.qkv(), w.qkvBias());
        applyLora(qkv, normed, l, Q_PROJ, layout.q(0), batch);
        applyLora(qkv, normed, l, K_PROJ, layout.k(0), batch);
        applyLora(qkv, normed, l, V_PROJ, layout.v(0), batch);
        if (config.qkNorm()) {
            ops.headRmsNormInPlace(qkv, layout, w.qNorm(), w.kNorm(), eps);
        }
        Tensor context = ops.attention(qkv, l, layout, rotary, batch.spans());
        Tensor attention = ops.linear(context, w.output(), w.outputBias());
        applyLora(attention, context, l, O_PROJ, 0, batch);
        ops.addInPlace(attention, hidden);

        Tensor normed2 = ops.rmsNorm(attention, w.postAttentionNorm(), eps);
        Tensor gateUp = ops.linear(normed2, w.gateUp(), w.gateUpBias());
        applyLora(gateUp, normed2, l, GATE_PROJ, 0, batch);
        applyLora(gateUp, normed2, l, UP_PROJ, config.intermediateSize(), batch);
        Tensor gated = ops.siluGate(gateUp);
        Tensor down = ops.linear(gated, w.down(), w.downBias());
        applyLora(down, gated, l, DOWN_PROJ, 0, batch);
        ops.addInPlace(down, attention);
        recycle(normed, qkv, context, attention, normed2, gateUp, gated);
        return down;
    }
}
