package dev.peftbench.engine.arch.llama;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.LoadProgress;
import dev.peftbench.engine.load.TensorInfo;
import dev.peftbench.engine.load.WeightSource;
import dev.peftbench.engine.tensor.Tensor;
import dev.peftbench.engine.tensor.TensorOps;

import java.util.ArrayList;
import java.util.List;

/**
 * A Llama-family checkpoint's parameters in backend storage, named as save_pretrained writes them
 * ({@code model.embed_tokens.weight}, {@code model.layers.N.self_attn.q_proj.weight}, {@code model.norm.weight},
 * {@code lm_head.weight}; the {@code model.} prefix may be missing, as a bare LlamaModel saves them).
 * q_proj, k_proj and v_proj are stacked into one weight, gate_proj and up_proj into another, so each
 * layer runs four products, as BLOOM's does.
 *
 * @param lmHead the embedding table itself when the embeddings are tied, unless the backend quantizes it (then
 *               {@code embeddings} holds the unquantized rows beside it)
 */
record LlamaWeights(Tensor embeddings, List<Layer> layers, Tensor finalNorm, Tensor lmHead) {

    /**
     * One decoder layer. Biases, q_norm and k_norm are null where the config has none.
     *
     * @param qkv    {@code [q heads | k heads | v heads]} rows
     * @param gateUp {@code [gate | up]} rows
     */
    record Layer(Tensor inputNorm, Tensor qkv, Tensor qkvBias, Tensor qNorm, Tensor kNorm, Tensor output, Tensor outputBias,
                 Tensor postAttentionNorm, Tensor gateUp, Tensor gateUpBias, Tensor down, Tensor downBias) {
    }

    static LlamaWeights load(WeightSource source, LlamaConfig c, TensorOps ops, LoadProgress progress) {
        String prefix = source.names().contains("model.embed_tokens.weight") ? "model." : "";
        if (!source.names().contains(prefix + "embed_tokens.weight")) {
            throw EngineException.loadFailed("the weights have no model.embed_tokens.weight: is this a " + c.architecture()
                    + " checkpoint?");
        }
        Shapes shapes = new Shapes(source);
        int hidden = c.hiddenSize();
        int q = c.attentionWidth();
        int kv = c.kvHeads() * c.headDim();
        int inter = c.intermediateSize();
        String embeddingName = shapes.matrix(prefix + "embed_tokens.weight", c.vocabSize(), hidden);
        // Tied: one stored tensor serves both (backends that quantize the lm_head keep the lookup table beside it).
        Tensor tiedHead = c.tieWordEmbeddings() ? ops.weight(source, embeddingName) : null;
        Tensor embeddings = ops.embeddingTable(source, embeddingName, tiedHead);
        List<Layer> layers = new ArrayList<>();
        for (int i = 0; i < c.layers(); i++) {
            String p = prefix + "layers." + i + ".";
            String a = p + "self_attn.";
            String m = p + "mlp.";
            List<String> qkv = List.of(shapes.matrix(a + "q_proj.weight", q, hidden), shapes.matrix(a + "k_proj.weight", kv, hidden),
                    shapes.matrix(a + "v_proj.weight", kv, hidden));
            List<String> gateUp = List.of(shapes.matrix(m + "gate_proj.weight", inter, hidden), shapes.matrix(m + "up_proj.weight", inter, hidden));
            layers.add(new Layer(
                    ops.vector(source, shapes.vector(p + "input_layernorm.weight", hidden)),
                    ops.attentionWeight(source, qkv, i),
                    c.qkvBias() ? ops.vector(source, List.of(shapes.vector(a + "q_proj.bias", q), shapes.vector(a + "k_proj.bias", kv),
                            shapes.vector(a + "v_proj.bias", kv))) : null,
                    c.qkNorm() ? ops.vector(source, shapes.vector(a + "q_norm.weight", c.headDim())) : null,
                    c.qkNorm() ? ops.vector(source, shapes.vector(a + "k_norm.weight", c.headDim())) : null,
                    ops.attentionWeight(source, List.of(shapes.matrix(a + "o_proj.weight", hidden, q)), i),
                    c.outputBias() ? ops.vector(source, shapes.vector(a + "o_proj.bias", hidden)) : null,
                    ops.vector(source, shapes.vector(p + "post_attention_layernorm.weight", hidden)),
                    ops.weight(source, gateUp),
                    c.mlpBias() ? ops.vector(source, List.of(shapes.vector(m + "gate_proj.bias", inter),
                            shapes.vector(m + "up_proj.bias", inter))) : null,
                    ops.weight(source, shapes.matrix(m + "down_proj.weight", hidden, inter)),
                    c.mlpBias() ? ops.vector(source, shapes.vector(m + "down_proj.bias", hidden)) : null));
            progress.report(0.1 + 0.8 * (i + 1) / c.layers(), "loaded layer " + (i + 1) + " of " + c.layers());
        }
        Tensor lmHead = tiedHead;
        if (!c.tieWordEmbeddings()) {
            if (!source.names().contains("lm_head.weight")) {
                throw EngineException.loadFailed("the weights have no lm_head.weight but config.json of " + c.architecture()
                        + " sets tie_word_embeddings false");
            }
            lmHead = ops.weight(source, shapes.matrix("lm_head.weight", c.vocabSize(), hidden));
        }
        return new LlamaWeights(embeddings, List.copyOf(layers),
                ops.vector(source, shapes.vector(prefix + "norm.weight", hidden)), lmHead);
    }

    /** Checks stored shapes against config.json before a tensor is read. */
    private record Shapes(WeightSource source) {
        String matrix(String name, long rows, long cols) {
            TensorInfo info = source.info(name);
            long[] s = info.shape();
            if (s.length != 2 || s[0] != rows || s[1] != cols) {
                throw EngineException.loadFailed(name + " has shape " + java.util.Arrays.toString(s) + " but config.json implies ["
                        + rows + ", " + cols + "]");
            }
            return name;
        }

        String vector(String name, long length) {
            TensorInfo info = source.info(name);
            long[] s = info.shape();
            if (s.length != 1 || s[0] != length) {
                throw EngineException.loadFailed(name + " has shape " + java.util.Arrays.toString(s) + " but config.json implies ["
                        + length + "]");
            }
            return name;
        }
    }
}
