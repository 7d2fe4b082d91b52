package dev.peftbench.engine.tensor;

import dev.peftbench.engine.ComputeType;
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
    public Tensor weight(WeightSource source, String name) {
        return inner.weight(source, name);
    }

    @Override
    public Tensor embeddingTable(WeightSource source, String name, Tensor weight) {
        return inner.embeddingTable(source, name, weight);
    }

    @Override
    public Tensor adapterWeight(WeightSource source, String name) {
        return inner.adapterWeight(source, name);
    }

    @Override
    public Tensor vector(WeightSource source, String name) {
        return inner.vector(source, name);
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
    public Tensor linear(Tensor x, Tensor w, Tensor bias) {
        return timed("linear " + w.rows() + "x" + w.cols(), () -> inner.linear(x, w, bias));
    }

    @Override
    public void addLowRank(Tensor y, Tensor x, int rowStart, int rowCount, Tensor loraA, Tensor loraB, float scale) {
        timed("lora", () -> inner.addLowRank(y, x, rowStart, rowCount, loraA, loraB, scale));
    }

    @Override
    public void bloomGeluInPlace(Tensor x) {
        timed("gelu", () -> inner.bloomGeluInPlace(x));
    }

    @Override
    public void addInPlace(Tensor acc, Tensor x) {
        timed("add", () -> inner.addInPlace(acc, x));
    }

    @Override
    public KvCache newKvCache(int layers, int heads, int headDim, int capacity) {
        return inner.newKvCache(layers, heads, headDim, capacity);
    }

    @Override
    public Tensor bloomAttention(Tensor qkv, int layer, int heads, int headDim, float[] alibiSlopes, List<AttentionSpan> spans) {
        return timed("attention", () -> inner.bloomAttention(qkv, layer, heads, headDim, alibiSlopes, spans));
    }

    @Override
    public float[] toFloats(Tensor x) {
        return timed("to_floats", () -> inner.toFloats(x));
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
