package dev.peftbench.engine.arch.bloom;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.LoadProgress;
import dev.peftbench.engine.load.WeightSource;
import dev.peftbench.engine.tensor.Tensor;
import dev.peftbench.engine.tensor.TensorOps;

import java.util.ArrayList;
import java.util.List;

/**
 * BLOOM's parameters in backend storage. Checkpoints name them with the {@code transformer.} prefix
 * (as save_pretrained writes BloomForCausalLM) or without it (as bigscience's hub checkpoints are
 * stored); both load. The lm_head is the word embedding matrix unless a separate one is stored and
 * tie_word_embeddings is false.
 */
record BloomWeights(Tensor wordEmbeddings, Tensor embeddingNormWeight, Tensor embeddingNormBias,
                    List<Layer> layers, Tensor finalNormWeight, Tensor finalNormBias, Tensor lmHead) {

    record Layer(Tensor inputNormWeight, Tensor inputNormBias,
                 Tensor qkvWeight, Tensor qkvBias, Tensor denseWeight, Tensor denseBias,
                 Tensor postAttentionNormWeight, Tensor postAttentionNormBias,
                 Tensor upWeight, Tensor upBias, Tensor downWeight, Tensor downBias) {
    }

    static BloomWeights load(WeightSource source, BloomConfig config, TensorOps ops, LoadProgress progress) {
        String prefix = source.names().contains("transformer.word_embeddings.weight") ? "transformer." : "";
        if (!source.names().contains(prefix + "word_embeddings.weight")) {
            throw EngineException.loadFailed("the weights have no word_embeddings.weight (with or without the "
                    + "'transformer.' prefix): is this a BLOOM checkpoint?");
        }
        int hidden = config.hiddenSize();
        String embeddingName = prefix + "word_embeddings.weight";
        boolean separateHead = !config.tieWordEmbeddings() && source.names().contains("lm_head.weight");
        Tensor lmHead = checked(ops.weight(source, separateHead ? "lm_head.weight" : embeddingName),
                config.vocabSize(), hidden, separateHead ? "lm_head.weight" : "word_embeddings.weight");
        Tensor embeddings = checked(ops.embeddingTable(source, embeddingName, separateHead ? null : lmHead),
                config.vocabSize(), hidden, "word_embeddings.weight");
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < config.layers(); i++) {
            String p = prefix + "h." + i + ".";
            layers.add(new Layer(
                    ops.vector(source, p + "input_layernorm.weight"),
                    ops.vector(source, p + "input_layernorm.bias"),
                    checked(ops.attentionWeight(source, List.of(p + "self_attention.query_key_value.weight"), i), 3 * hidden, hidden, p + "self_attention.query_key_value.weight"),
                    ops.vector(source, p + "self_attention.query_key_value.bias"),
                    checked(ops.attentionWeight(source, List.of(p + "self_attention.dense.weight"), i), hidden, hidden, p + "self_attention.dense.weight"),
                    ops.vector(source, p + "self_attention.dense.bias"),
                    ops.vector(source, p + "post_attention_layernorm.weight"),
                    ops.vector(source, p + "post_attention_layernorm.bias"),
                    checked(ops.weight(source, p + "mlp.dense_h_to_4h.weight"), 4 * hidden, hidden, p + "mlp.dense_h_to_4h.weight"),
                    ops.vector(source, p + "mlp.dense_h_to_4h.bias"),
                    checked(ops.weight(source, p + "mlp.dense_4h_to_h.weight"), hidden, 4 * hidden, p + "mlp.dense_4h_to_h.weight"),
                    ops.vector(source, p + "mlp.dense_4h_to_h.bias")));
            progress.report(0.1 + 0.8 * (i + 1) / config.layers(), "loaded layer " + (i + 1) + " of " + config.layers());
        }
        return new BloomWeights(embeddings,
                ops.vector(source, prefix + "word_embeddings_layernorm.weight"),
                ops.vector(source, prefix + "word_embeddings_layernorm.bias"),
                List.copyOf(layers),
                ops.vector(source, prefix + "ln_f.weight"),
                ops.vector(source, prefix + "ln_f.bias"),
                lmHead);
    }

    private static Tensor checked(Tensor t, int rows, int cols, String name) {
        if (t.rows() != rows || t.cols() != cols) {
            throw EngineException.loadFailed(name + " has shape [" + t.rows() + ", " + t.cols() + "] but config.json implies ["
                    + rows + ", " + cols + "]");
        }
        return t;
    }
}
