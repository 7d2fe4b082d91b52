package dev.peftbench.engine.score;

import dev.peftbench.engine.ModelInfo;
import dev.peftbench.engine.adapter.LoraTargets;
import dev.peftbench.engine.arch.CausalLm;
import dev.peftbench.engine.arch.ForwardRow;
import dev.peftbench.engine.arch.Logits;
import dev.peftbench.engine.load.WeightSource;
import dev.peftbench.engine.tensor.KvCache;
import dev.peftbench.engine.tensor.Tensor;
import dev.peftbench.engine.tensor.TensorOps;

import java.util.List;

/** A model that counts the forwards run through it and the positions they feed. */
final class CountingModel implements CausalLm {

    private final CausalLm inner;
    int forwards;
    int positions;

    CountingModel(CausalLm inner) {
        this.inner = inner;
    }

    private void count(List<ForwardRow> rows) {
        forwards++;
        positions += rows.stream().mapToInt(ForwardRow::newPositions).sum();
    }

    @Override
    public Logits forward(List<ForwardRow> rows) {
        count(rows);
        return inner.forward(rows);
    }

    @Override
    public Tensor logits(List<ForwardRow> rows, int[] at) {
        count(rows);
        return inner.logits(rows, at);
    }

    @Override
    public ModelInfo info() {
        return inner.info();
    }

    @Override
    public TensorOps ops() {
        return inner.ops();
    }

    @Override
    public int vocabSize() {
        return inner.vocabSize();
    }

    @Override
    public int hiddenSize() {
        return inner.hiddenSize();
    }

    @Override
    public KvCache newCache(int capacity) {
        return inner.newCache(capacity);
    }

    @Override
    public float[] embeddings(int[] ids) {
        return inner.embeddings(ids);
    }

    @Override
    public Tensor promptEmbeddings(WeightSource source, String name) {
        return inner.promptEmbeddings(source, name);
    }

    @Override
    public LoraTargets loraTargets() {
        return inner.loraTargets();
    }

    @Override
    public void close() {
        inner.close();
    }
}
