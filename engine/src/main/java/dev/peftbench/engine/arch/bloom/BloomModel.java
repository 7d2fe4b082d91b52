package dev.peftbench.engine.arch.bloom;

import dev.peftbench.engine.AdapterInfo;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.LoadProgress;
import dev.peftbench.engine.ModelInfo;
import dev.peftbench.engine.adapter.LoraAdapter;
import dev.peftbench.engine.arch.CausalLm;
import dev.peftbench.engine.arch.ForwardRow;
import dev.peftbench.engine.arch.Logits;
import dev.peftbench.engine.load.WeightSource;
import dev.peftbench.engine.tensor.AttentionSpan;
import dev.peftbench.engine.tensor.KvCache;
import dev.peftbench.engine.tensor.Tensor;
import dev.peftbench.engine.tensor.TensorOps;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * BloomForCausalLM (transformers' models/bloom/modeling_bloom.py) over a {@link TensorOps} backend:
 * word embeddings -> embedding layer norm -> n_layer blocks (layer norm, fused QKV, ALiBi attention,
 * dense + residual, layer norm, MLP with tanh GELU + residual) -> ln_f -> tied lm_head.
 */
public final class BloomModel implements CausalLm {

    private static final Logger LOG = LoggerFactory.getLogger(BloomModel.class);

    /** The projections LoRA may target in a BLOOM block, with their (in, out) features in hidden units. */
    enum Projection {
        QUERY_KEY_VALUE("self_attention.query_key_value", 1, 3),
        DENSE("self_attention.dense", 1, 1),
        DENSE_H_TO_4H("mlp.dense_h_to_4h", 1, 4),
        DENSE_4H_TO_H("mlp.dense_4h_to_h", 4, 1);

        final String path;
        final int inFactor;
        final int outFactor;

        Projection(String path, int inFactor, int outFactor) {
            this.path = path;
            this.inFactor = inFactor;
            this.outFactor = outFactor;
        }
    }

    private static final Pattern LORA_KEY = Pattern.compile(
            "(?:base_model\\.model\\.)?(?:transformer\\.)?h\\.(\\d+)\\.(self_attention\\.query_key_value|self_attention\\.dense"
                    + "|mlp\\.dense_h_to_4h|mlp\\.dense_4h_to_h)\\.lora_([AB])(?:\\.default)?\\.weight");

    private final BloomConfig config;
    private final TensorOps ops;
    private final BloomWeights weights;
    private final ModelInfo info;
    private final float[] alibiSlopes;
    private final String[][] moduleKeys;
    /** The last forward's logits (see {@link Logits}): reused, so a decode step allocates no per-row arrays. */
    private float[] logitsBuffer = new float[0];

    public BloomModel(BloomConfig config, TensorOps ops, WeightSource source, ModelInfo info, LoadProgress progress) {
        this.config = config;
        this.ops = ops;
        this.info = info;
        this.alibiSlopes = config.alibiSlopes();
        this.weights = BloomWeights.load(source, config, ops, progress);
        this.moduleKeys = new String[config.layers()][Projection.values().length];
        for (int l = 0; l < config.layers(); l++) {
            for (Projection p : Projection.values()) {
                moduleKeys[l][p.ordinal()] = moduleKey(l, p);
            }
        }
    }

    static String moduleKey(int layer, Projection p) {
        return "h." + layer + "." + p.path;
    }

    @Override
    public ModelInfo info() {
        return info;
    }

    @Override
    public TensorOps ops() {
        return ops;
    }

    @Override
    public int vocabSize() {
        return config.vocabSize();
    }

    @Override
    public int hiddenSize() {
        return config.hiddenSize();
    }

    @Override
    public KvCache newCache(int capacity) {
        return ops.newKvCache(config.layers(), config.heads(), config.headDim(), capacity);
    }

    @Override
    public Logits forward(List<ForwardRow> rows) {
        int wanted = 0;
        for (ForwardRow row : rows) {
            wanted += row.wantsLogits() ? 1 : 0;
        }
        int[] lastRows = new int[wanted];
        int end = 0;
        for (int i = 0, w = 0; i < rows.size(); i++) {
            end += rows.get(i).newPositions();
            if (rows.get(i).wantsLogits()) {
                lastRows[w++] = end - 1;
            }
        }
        Tensor hidden = hiddenStates(rows);
        if (wanted == 0) {
            // Only prefill chunks that do not end their prompts: no lm_head at all.
            ops.recycle(hidden);
            ops.endStep();
            return new Logits(logitsBuffer, 0, config.vocabSize());
        }
        // Decode-only batches have one new position per row: every row is a last row.
        Tensor last = end == wanted ? hidden : ops.selectRows(hidden, lastRows);
        Tensor logits = head(last);
        int size = wanted * config.vocabSize();
        if (logitsBuffer.length < size) {
            logitsBuffer = new float[size];
        }
        System.arraycopy(ops.toFloats(logits), 0, logitsBuffer, 0, size);
        if (last != hidden) {
            ops.recycle(last);
        }
        ops.recycle(hidden);
        ops.recycle(logits);
        ops.endStep();
        return new Logits(logitsBuffer, wanted, config.vocabSize());
    }

    @Override
    public List<float[]> forwardAllPositions(List<ForwardRow> rows) {
        Tensor hidden = hiddenStates(rows);
        Tensor logits = head(hidden);
        float[] values = ops.toFloats(logits);
        int vocab = config.vocabSize();
        List<float[]> out = new ArrayList<>(rows.size());
        int offset = 0;
        for (ForwardRow row : rows) {
            float[] part = new float[row.newPositions() * vocab];
            System.arraycopy(values, offset, part, 0, part.length);
            offset += part.length;
            out.add(part);
        }
        ops.recycle(hidden);
        ops.recycle(logits);
        ops.endStep();
        return out;
    }

    /** Embeddings (and prompt-tuning prefixes) through every block, each row writing its cache: {@code [positions, hidden]}. */
    private Tensor hiddenStates(List<ForwardRow> rows) {
        List<Tensor> parts = new ArrayList<>();
        List<AttentionSpan> spans = new ArrayList<>(rows.size());
        int offset = 0;
        for (ForwardRow row : rows) {
            if (row.prefixRows().length > 0) {
                parts.add(ops.embed(row.prefix(), row.prefixRows()));
            }
            if (row.tokenIds().length > 0) {
                parts.add(ops.embed(weights.wordEmbeddings(), row.tokenIds()));
            }
            spans.add(new AttentionSpan(row.cache(), offset, row.newPositions()));
            offset += row.newPositions();
        }
        Tensor embedded = parts.size() == 1 ? parts.getFirst() : ops.concatRows(parts);
        if (embedded != parts.getFirst()) {
            parts.forEach(ops::recycle);
        }
        Tensor x = ops.layerNorm(embedded, weights.embeddingNormWeight(), weights.embeddingNormBias(), config.layerNormEpsilon());
        ops.recycle(embedded);
        for (int l = 0; l < config.layers(); l++) {
            Tensor next = block(l, weights.layers().get(l), x, rows, spans);
            ops.recycle(x);
            x = next;
        }
        for (ForwardRow row : rows) {
            row.cache().advance(row.newPositions());
        }
        return x;
    }

    /** ln_f, then the lm_head tied to the word embeddings. */
    private Tensor head(Tensor hidden) {
        Tensor normed = ops.layerNorm(hidden, weights.finalNormWeight(), weights.finalNormBias(), config.layerNormEpsilon());
        Tensor logits = ops.linear(normed, weights.lmHead(), null);
        ops.recycle(normed);
        return logits;
    }

    /** modeling_bloom.BloomBlock.forward. */
    private Tensor block(int l, BloomWeights.Layer w, Tensor hidden, List<ForwardRow> rows, List<AttentionSpan> spans) {
        float eps = config.layerNormEpsilon();
        Tensor normed = ops.layerNorm(hidden, w.inputNormWeight(), w.inputNormBias(), eps);
        Tensor qkv = ops.linear(normed, w.qkvWeight(), w.qkvBias());
        applyLora(qkv, normed, l, Projection.QUERY_KEY_VALUE, rows, spans);
        Tensor context = ops.bloomAttention(qkv, l, config.heads(), config.headDim(), alibiSlopes, spans);
        Tensor attention = ops.linear(context, w.denseWeight(), w.denseBias());
        applyLora(attention, context, l, Projection.DENSE, rows, spans);
        ops.addInPlace(attention, config.residualPostLayerNorm() ? normed : hidden);

        Tensor normed2 = ops.layerNorm(attention, w.postAttentionNormWeight(), w.postAttentionNormBias(), eps);
        Tensor up = ops.linear(normed2, w.upWeight(), w.upBias());
        applyLora(up, normed2, l, Projection.DENSE_H_TO_4H, rows, spans);
        ops.bloomGeluInPlace(up);
        Tensor down = ops.linear(up, w.downWeight(), w.downBias());
        applyLora(down, up, l, Projection.DENSE_4H_TO_H, rows, spans);
        ops.addInPlace(down, config.residualPostLayerNorm() ? normed2 : attention);
        for (Tensor t : new Tensor[] {normed, qkv, context, attention, normed2, up}) {
            ops.recycle(t);
        }
        return down;
    }

    private void applyLora(Tensor y, Tensor x, int layer, Projection p, List<ForwardRow> rows, List<AttentionSpan> spans) {
        for (int i = 0; i < rows.size(); i++) {
            LoraAdapter lora = rows.get(i).lora();
            if (lora == null) {
                continue;
            }
            LoraAdapter.LoraWeights m = lora.module(moduleKeys[layer][p.ordinal()]);
            if (m != null) {
                AttentionSpan span = spans.get(i);
                ops.addLowRank(y, x, span.rowStart(), span.rowCount(), m.a(), m.b(), lora.scale());
            }
        }
    }

    @Override
    public Tensor promptEmbeddings(WeightSource source, String name) {
        Tensor table = ops.embeddingTable(source, name, null);
        if (table.cols() != config.hiddenSize()) {
            throw EngineException.loadFailed("the prompt-tuning adapter's token_dim is " + table.cols()
                    + " but the base model's hidden size is " + config.hiddenSize() + ": it was trained for another base model");
        }
        return table;
    }

    @Override
    public LoraAdapter loadLora(WeightSource source, float scale, String adapterName) {
        Map<String, Tensor> as = new HashMap<>();
        Map<String, Tensor> bs = new HashMap<>();
        int hidden = config.hiddenSize();
        for (String name : source.names()) {
            Matcher m = LORA_KEY.matcher(name);
            if (!m.matches()) {
                throw EngineException.loadFailed("LoRA tensor '" + name + "' does not target a BLOOM projection; supported "
                        + "target modules: query_key_value, dense, dense_h_to_4h, dense_4h_to_h");
            }
            int layer = Integer.parseInt(m.group(1));
            if (layer >= config.layers()) {
                throw EngineException.loadFailed("LoRA tensor '" + name + "' targets layer " + layer
                        + " but the base model has " + config.layers() + " layers: it was trained for another base model");
            }
            Projection p = projection(m.group(2));
            String key = moduleKey(layer, p);
            Tensor t = ops.adapterWeight(source, name);
            if (m.group(3).equals("A")) {
                if (t.cols() != p.inFactor * hidden) {
                    throw mismatch(name, t, "[r, " + p.inFactor * hidden + "]");
                }
                as.put(key, t);
            } else {
                if (t.rows() != p.outFactor * hidden) {
                    throw mismatch(name, t, "[" + p.outFactor * hidden + ", r]");
                }
                bs.put(key, t);
            }
        }
        Map<String, LoraAdapter.LoraWeights> modules = new HashMap<>();
        for (var e : as.entrySet()) {
            Tensor b = bs.get(e.getKey());
            if (b == null) {
                throw EngineException.loadFailed("LoRA adapter has lora_A but no lora_B for " + e.getKey());
            }
            if (b.cols() != e.getValue().rows()) {
                throw EngineException.loadFailed("LoRA rank mismatch for " + e.getKey() + ": lora_A has rank "
                        + e.getValue().rows() + ", lora_B has rank " + b.cols());
            }
            modules.put(e.getKey(), new LoraAdapter.LoraWeights(e.getValue(), b));
        }
        if (modules.isEmpty() || modules.size() != bs.size()) {
            throw EngineException.loadFailed("LoRA adapter " + adapterName + " has no complete lora_A/lora_B pairs");
        }
        LOG.debug("LoRA {}: {} projections", adapterName, modules.size());
        return new LoraAdapter(adapterName, scale, modules, new AdapterInfo(null, "LORA", Map.of()));
    }

    private static Projection projection(String path) {
        for (Projection p : Projection.values()) {
            if (p.path.equals(path)) {
                return p;
            }
        }
        throw new IllegalArgumentException(path);
    }

    private EngineException mismatch(String name, Tensor t, String expected) {
        return EngineException.loadFailed("LoRA tensor " + name + " has shape [" + t.rows() + ", " + t.cols()
                + "] but this base model (hidden size " + config.hiddenSize() + ") needs " + expected
                + ": the adapter was trained for another base model");
    }

    @Override
    public void close() {
        ops.close();
    }
}
