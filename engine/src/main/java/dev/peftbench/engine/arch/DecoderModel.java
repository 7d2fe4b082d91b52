package dev.peftbench.engine.arch;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.ModelInfo;
import dev.peftbench.engine.adapter.LoraAdapter;
import dev.peftbench.engine.load.WeightSource;
import dev.peftbench.engine.tensor.AttentionSpan;
import dev.peftbench.engine.tensor.KvCache;
import dev.peftbench.engine.tensor.Tensor;
import dev.peftbench.engine.tensor.TensorOps;

import java.util.ArrayList;
import java.util.List;

/**
 * What every decoder-only family shares: rows of a batch embedded (prompt-tuning virtual tokens first),
 * run through the layers with each row writing its own cache, normalised and projected to logits. A
 * family supplies its layer ({@link #layer}), the final norm and head ({@link #head}), and what happens
 * right after the embedding lookup ({@link #afterEmbedding}).
 */
public abstract class DecoderModel implements CausalLm {

    /** The rows of one forward and, in the same order, where each sits in the batched activations. */
    protected record Batch(List<ForwardRow> rows, List<AttentionSpan> spans) {
    }

    protected final TensorOps ops;
    private final ModelInfo info;
    private final int layers;
    private final int kvHeads;
    private final int headDim;
    /** The last forward's logits (see {@link Logits}): reused, so a decode step allocates no per-row arrays. */
    private float[] logitsBuffer = new float[0];

    protected DecoderModel(TensorOps ops, ModelInfo info, int kvHeads, int headDim) {
        this.ops = ops;
        this.info = info;
        this.layers = info.layers();
        this.kvHeads = kvHeads;
        this.headDim = headDim;
    }

    /** The token embedding table {@code [vocab, hidden]}. */
    protected abstract Tensor wordEmbeddings();

    /** The embedded rows as the first layer takes them (BLOOM normalises them); may return {@code embedded} itself. */
    protected Tensor afterEmbedding(Tensor embedded) {
        return embedded;
    }

    /** Layer {@code l} over the hidden states {@code x}: the next hidden states (a new tensor; {@code x} is recycled by the caller). */
    protected abstract Tensor layer(int l, Tensor x, Batch batch);

    /** The final norm and the lm_head: logits {@code [rows, vocab]}. */
    protected abstract Tensor head(Tensor hidden);

    @Override
    public final ModelInfo info() {
        return info;
    }

    @Override
    public final TensorOps ops() {
        return ops;
    }

    @Override
    public final int vocabSize() {
        return info.vocabSize();
    }

    @Override
    public final int hiddenSize() {
        return info.hiddenSize();
    }

    @Override
    public final KvCache newCache(int capacity) {
        return ops.newKvCache(layers, kvHeads, headDim, capacity);
    }

    @Override
    public final Logits forward(List<ForwardRow> rows) {
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
        int vocab = vocabSize();
        if (wanted == 0) {
            // Only prefill chunks that do not end their prompts: no lm_head at all.
            ops.recycle(hiddenStates(rows));
            ops.endStep();
            return new Logits(logitsBuffer, 0, vocab);
        }
        // Decode-only batches have one new position per row: every row is a last row.
        Tensor logits = logits(rows, end == wanted ? null : lastRows);
        int size = wanted * vocab;
        if (logitsBuffer.length < size) {
            // A power of two: a batch that grows a few sequences at a time allocates (a humongous array, for G1)
            // once per doubling, not at every new size.
            int capacity = Integer.highestOneBit(size);
            logitsBuffer = new float[capacity < size ? capacity << 1 : capacity];
        }
        ops.copyFloats(logits, logitsBuffer);
        ops.recycle(logits);
        ops.endStep();
        return new Logits(logitsBuffer, wanted, vocab);
    }

    @Override
    public final Tensor logits(List<ForwardRow> rows, int[] positions) {
        Tensor hidden = hiddenStates(rows);
        if (positions == null) {
            Tensor logits = head(hidden);
            ops.recycle(hidden);
            return logits;
        }
        Tensor picked = ops.selectRows(hidden, positions);
        ops.recycle(hidden);
        Tensor logits = head(picked);
        ops.recycle(picked);
        return logits;
    }

    @Override
    public final float[] embeddings(int[] ids) {
        Tensor rows = ops.embed(wordEmbeddings(), ids);
        // A copy: the CPU backend's toFloats is the activation's own array, which recycle hands to later steps.
        float[] values = new float[rows.rows() * rows.cols()];
        ops.copyFloats(rows, values);
        ops.recycle(rows);
        ops.endStep();
        return values;
    }

    /** Embeddings (and prompt-tuning prefixes) through every layer, each row writing its cache: {@code [positions, hidden]}. */
    private Tensor hiddenStates(List<ForwardRow> rows) {
        List<Tensor> parts = new ArrayList<>();
        List<AttentionSpan> spans = new ArrayList<>(rows.size());
        int offset = 0;
        for (ForwardRow row : rows) {
            if (row.prefixRows().length > 0) {
                parts.add(ops.embed(row.prefix(), row.prefixRows()));
            }
            if (row.tokenIds().length > 0) {
                parts.add(ops.embed(wordEmbeddings(), row.tokenIds()));
            }
            spans.add(new AttentionSpan(row.cache(), offset, row.newPositions()));
            offset += row.newPositions();
        }
        Tensor embedded = parts.size() == 1 ? parts.getFirst() : ops.concatRows(parts);
        if (embedded != parts.getFirst()) {
            parts.forEach(ops::recycle);
        }
        Tensor x = afterEmbedding(embedded);
        if (x != embedded) {
            ops.recycle(embedded);
        }
        Batch batch = new Batch(rows, spans);
        for (int l = 0; l < layers; l++) {
            Tensor next = layer(l, x, batch);
            ops.recycle(x);
            x = next;
        }
        for (ForwardRow row : rows) {
            row.cache().advance(row.positionKeys());
        }
        return x;
    }

    /**
     * Adds each LoRA row's update of target {@code target} in layer {@code l} to {@code y}, computed from the
     * projection's input {@code x}; {@code colStart} is where that projection's outputs start in {@code y}.
     * Neighbouring rows with the same adapter are updated in one product (a training batch is one).
     */
    protected final void applyLora(Tensor y, Tensor x, int l, int target, int colStart, Batch batch) {
        int i = 0;
        while (i < batch.rows().size()) {
            LoraAdapter lora = batch.rows().get(i).lora();
            int next = i + 1;
            while (next < batch.rows().size() && batch.rows().get(next).lora() == lora) {
                next++;
            }
            LoraAdapter.LoraWeights m = lora == null ? null : lora.weights(l, target);
            if (m != null) {
                AttentionSpan first = batch.spans().get(i);
                AttentionSpan last = batch.spans().get(next - 1);
                ops.addLowRank(y, x, first.rowStart(), last.rowStart() + last.rowCount() - first.rowStart(), colStart,
                        m.a(), m.b(), lora.scale());
            }
            i = next;
        }
    }

    @Override
    public final Tensor promptEmbeddings(WeightSource source, String name) {
        return ops.embeddingTable(source, name, null);
    }

    /** Recycles each of {@code temporaries}. */
    protected final void recycle(Tensor... temporaries) {
        for (Tensor t : temporaries) {
            ops.recycle(t);
        }
    }

    @Override
    public void close() {
        ops.close();
    }
}
