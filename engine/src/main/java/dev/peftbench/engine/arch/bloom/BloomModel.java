package dev.peftbench.engine.arch.bloom;

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
 * BloomForCausalLM (transformers' models/bloom/modeling_bloom.py) over a {@link TensorOps} backend:
 * word embeddings -> embedding layer norm -> n_layer blocks (layer norm, fused QKV, ALiBi attention,
 * dense + residual, layer norm, MLP with tanh GELU + residual) -> ln_f -> tied lm_head.
 */
public final class BloomModel extends DecoderModel {

    /** The projections LoRA may adapt in a BLOOM block, in {@link #loraTargets()}'s order. */
    private static final int QUERY_KEY_VALUE = 0;
    private static final int DENSE = 1;
    private static final int DENSE_H_TO_4H = 2;
    private static final int DENSE_4H_TO_H = 3;

    private final BloomConfig config;
    private final BloomWeights weights;
    private final QkvLayout layout;
    private final PositionScheme alibi;
    private final LoraTargets loraTargets;

    BloomModel(BloomConfig config, TensorOps ops, WeightSource source, ModelInfo info, LoadProgress progress) {
        super(ops, info, config.heads(), config.headDim());
        this.config = config;
        this.layout = QkvLayout.perHeadInterleaved(config.heads(), config.headDim());
        this.alibi = new PositionScheme.Alibi(config.alibiSlopes());
        this.weights = BloomWeights.load(source, config, ops, progress);
        this.loraTargets = loraTargets(config);
    }

    /** The projections of a block LoRA may adapt, as {@code save_pretrained} names them, and their shapes. */
    static LoraTargets loraTargets(BloomConfig config) {
        int h = config.hiddenSize();
        return new LoraTargets(BloomFamily.BLOOM.className(), List.of("transformer.h.", "h."), config.layers(), List.of(
                new LoraTargets.Target("self_attention.query_key_value", h, 3 * h),
                new LoraTargets.Target("self_attention.dense", h, h),
                new LoraTargets.Target("mlp.dense_h_to_4h", h, 4 * h),
                new LoraTargets.Target("mlp.dense_4h_to_h", 4 * h, h)));
    }

    @Override
    public LoraTargets loraTargets() {
        return loraTargets;
    }

    @Override
    protected Tensor wordEmbeddings() {
        return weights.wordEmbeddings();
    }

    @Override
    protected Tensor afterEmbedding(Tensor embedded) {
        return ops.layerNorm(embedded, weights.embeddingNormWeight(), weights.embeddingNormBias(), config.layerNormEpsilon());
    }

    /** ln_f, then the lm_head tied to the word embeddings. */
    @Override
    protected Tensor head(Tensor hidden) {
        Tensor normed = ops.layerNorm(hidden, weights.finalNormWeight(), weights.finalNormBias(), config.layerNormEpsilon());
        Tensor logits = ops.linear(normed, weights.lmHead(), null);
        ops.recycle(normed);
        return logits;
    }

    /** modeling_bloom.BloomBlock.forward. */
    @Override
    protected Tensor layer(int l, Tensor hidden, Batch batch) {
        BloomWeights.Layer w = weights.layers().get(l);
        float eps = config.layerNormEpsilon();
        Tensor normed = ops.layerNorm(hidden, w.inputNormWeight(), w.inputNormBias(), eps);
        Tensor qkv = ops.linear(normed, w.qkvWeight(), w.qkvBias());
        applyLora(qkv, normed, l, QUERY_KEY_VALUE, 0, batch);
        Tensor context = ops.attention(qkv, l, layout, alibi, batch.spans());
        Tensor attention = ops.linear(context, w.denseWeight(), w.denseBias());
        applyLora(attention, context, l, DENSE, 0, batch);
        ops.addInPlace(attention, config.residualPostLayerNorm() ? normed : hidden);

        Tensor normed2 = ops.layerNorm(attention, w.postAttentionNormWeight(), w.postAttentionNormBias(), eps);
        Tensor up = ops.linear(normed2, w.upWeight(), w.upBias());
        applyLora(up, normed2, l, DENSE_H_TO_4H, 0, batch);
        ops.geluTanhInPlace(up);
        Tensor down = ops.linear(up, w.downWeight(), w.downBias());
        applyLora(down, up, l, DENSE_4H_TO_H, 0, batch);
        ops.addInPlace(down, config.residualPostLayerNorm() ? normed2 : attention);
        recycle(normed, qkv, context, attention, normed2, up);
        return down;
    }
}
