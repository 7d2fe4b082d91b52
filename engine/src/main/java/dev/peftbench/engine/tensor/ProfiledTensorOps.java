package dev.peftbench.engine.tensor;

import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.PrefixCacheStats;
import dev.peftbench.engine.load.WeightSource;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * Wraps a backend and adds up the wall time of each operation, for {@code bench --profile}: which share
 * of a decode step goes to matrix products, attention, norms. Costs two clock reads per operation.
 */
public final class ProfiledTensorOps implements TensorOps {

    private final TensorOps inner;
    private final Map<String, LongAdder> nanos = new ConcurrentHashMap<>();

    public ProfiledTensorOps(TensorOps inner) {
        this.inner = inner;
    }

    /** Nanoseconds per operation since the last {@link #reset()}. */
    public Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        nanos.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    public void reset() {
        nanos.clear();
    }

    private <T> T timed(String op, Supplier<T> work) {
        long start = System.nanoTime();
        try {
            return work.get();
        } finally {
            nanos.computeIfAbsent(op, k -> new LongAdder()).add(System.nanoTime() - start);
        }
    }

    private void timed(String op, Runnable work) {
        timed(op, () -> {
            work.run();
            return null;
        });
    }

    @Override
    public String name() {
        return inner.name();
    }

    @Override
    public ComputeType computeType() {
        return inner.computeType();
    }

    @Override
    public Tensor weight(WeightSource source, List<String> names) {
        return inner.weight(source, names);
    }

    @Override
    public Tensor attentionWeight(WeightSource source, List<String> names, int layer) {
        return inner.attentionWeight(source, names, layer);
    }

    @Override
    public Tensor embeddingTable(WeightSource source, String name, Tensor weight) {
        return inner.embeddingTable(source, name, weight);
    }

    @Override
    public long weightBytes() {
        return inner.weightBytes();
    }

    @Override
    public Tensor adapterWeight(WeightSource source, String name) {
        return inner.adapterWeight(source, name);
    }

    @Override
    public Tensor vector(WeightSource source, List<String> names) {
        return inner.vector(source, names);
    }

    @Override
    public Tensor embed(Tensor table, int[] ids) {
        return timed("embed", () -> inner.embed(table, ids));
    }

    @Override
    public Tensor concatRows(List<Tensor> parts) {
        return timed("concat", () -> inner.concatRows(parts));
    }

    @Override
    public Tensor selectRows(Tensor x, int[] rowIndexes) {
        return timed("select", () -> inner.selectRows(x, rowIndexes));
    }

    @Override
    public Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
        return timed("layer_norm", () -> inner.layerNorm(x, gamma, beta, eps));
    }

    @Override
    public Tensor rmsNorm(Tensor x, Tensor weight, float eps) {
        return timed("rms_norm", () -> inner.rmsNorm(x, weight, eps));
    }

    @Override
    public void headRmsNormInPlace(Tensor qkv, QkvLayout layout, Tensor qWeight, Tensor kWeight, float eps) {
        timed("head_rms_norm", () -> inner.headRmsNormInPlace(qkv, layout, qWeight, kWeight, eps));
    }

    @Override
    public Tensor linear(Tensor x, Tensor w, Tensor bias) {
        return timed("linear " + w.rows() + "x" + w.cols(), () -> inner.linear(x, w, bias));
    }

    @Override
    public void addLowRank(Tensor y, Tensor x, int rowStart, int rowCount, int colStart, Tensor loraA, Tensor loraB,
                           float scale) {
        timed("lora", () -> inner.addLowRank(y, x, rowStart, rowCount, colStart, loraA, loraB, scale));
    }

    @Override
    public void geluTanhInPlace(Tensor x) {
        timed("gelu", () -> inner.geluTanhInPlace(x));
    }

    @Override
    public Tensor siluGate(Tensor gateUp) {
        return timed("silu_gate", () -> inner.siluGate(gateUp));
    }

    @Override
    public void addInPlace(Tensor acc, Tensor x) {
        timed("add", () -> inner.addInPlace(acc, x));
    }

    @Override
    public KvCache newKvCache(int layers, int kvHeads, int headDim, int capacity) {
        return inner.newKvCache(layers, kvHeads, headDim, capacity);
    }

    @Override
    public void keepPrefixBlocks(long bytes) {
        inner.keepPrefixBlocks(bytes);
    }

    @Override
    public PrefixCacheStats prefixCacheStats() {
        return inner.prefixCacheStats();
    }

    @Override
    public double[] targetLogProbabilities(Tensor logits, int[] rows, int[] targets) {
        return timed("target_log_probabilities", () -> inner.targetLogProbabilities(logits, rows, targets));
    }

    @Override
    public Tensor attention(Tensor qkv, int layer, QkvLayout layout, PositionScheme positions, List<AttentionSpan> spans) {
        return timed("attention", () -> inner.attention(qkv, layer, layout, positions, spans));
    }

    @Override
    public float[] toFloats(Tensor x) {
        return timed("to_floats", () -> inner.toFloats(x));
    }

    @Override
    public void copyFloats(Tensor x, float[] into) {
        timed("to_floats", () -> inner.copyFloats(x, into));
    }

    @Override
    public void recycle(Tensor x) {
        inner.recycle(x);
    }

    @Override
    public void endStep() {
        inner.endStep();
    }

    @Override
    public void close() {
        inner.close();
    }
}
