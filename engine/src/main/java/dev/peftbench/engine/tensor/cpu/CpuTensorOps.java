package dev.peftbench.engine.tensor.cpu;

import dev.peftbench.engine.load.Bfloat16;
import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.load.DType;
import dev.peftbench.engine.load.TensorInfo;
import dev.peftbench.engine.load.WeightSource;
import dev.peftbench.engine.tensor.AttentionSpan;
import dev.peftbench.engine.tensor.KvCache;
import dev.peftbench.engine.tensor.Tensor;
import dev.peftbench.engine.tensor.TensorOps;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * The CPU backend: Java arrays and Vector API kernels, the output panels of each matrix product split
 * across the cores. Weight matrices are repacked at load ({@link PackedWeight}); float32 compute keeps
 * float32 weights, bfloat16 compute keeps bfloat16 weights (read as stored, or rounded once at load) and
 * accumulates in float32; int8 quantizes the base model's matrices to q8_0 blocks and keeps everything
 * else (embedding rows, norms, biases, adapters, activations) in float32.
 */
public final class CpuTensorOps implements TensorOps {

    private static final VectorSpecies<Float> F = LinearKernels.F;
    /** Below this many multiply-adds a kernel runs on the calling thread: waking workers would cost more. */
    private static final long PARALLEL_THRESHOLD = 1L << 16;

    private final ComputeType computeType;
    private final WorkerPool pool;
    private final ActivationArena arena = new ActivationArena();
    private KvBlockPool kvBlocks;

    /** A backend over {@code threads} cores; its kernels start compiling at once, on a thread of their own ({@link KernelWarmUp}). */
    public CpuTensorOps(ComputeType computeType, int threads) {
        this(computeType, threads, true);
    }

    CpuTensorOps(ComputeType computeType, int threads, boolean warmUpKernels) {
        if (computeType == ComputeType.FLOAT16) {
            throw EngineException.invalid("the cpu backend computes in float32, bfloat16 or int8; for float16 use --backend djl");
        }
        this.computeType = computeType;
        this.pool = new WorkerPool(threads);
        if (warmUpKernels) {
            KernelWarmUp.startOnce(computeType);
        }
    }

    @Override
    public String name() {
        return "cpu";
    }

    @Override
    public ComputeType computeType() {
        return computeType;
    }

    /** Packs a stored row-major tensor of type {@code dtype}. */
    @FunctionalInterface
    private interface Packing {
        PackedWeight pack(ByteBuffer stored, DType dtype, int rows, int cols);
    }

    @Override
    public Tensor weight(WeightSource source, String name) {
        return load(source, name, switch (computeType) {
            case BFLOAT16 -> PackedWeight.Bf16::pack;
            // Base weights load before the model's scheduler starts, so the pool is free; adapters never come here.
            case INT8 -> (stored, dtype, rows, cols) -> PackedWeight.Int8.pack(stored, dtype, rows, cols, pool);
            default -> PackedWeight.F32::pack;
        });
    }

    /**
     * With int8 weights, the stored values row-major, copied as they are: bfloat16 for a bfloat16 checkpoint, else
     * float32 (both exact).
     */
    @Override
    public Tensor embeddingTable(WeightSource source, String name, Tensor weight) {
        if (computeType != ComputeType.INT8) {
            return weight != null ? weight : weight(source, name);
        }
        TensorInfo info = source.info(name);
        if (info.shape().length != 2) {
            throw EngineException.loadFailed("table " + info + " should be 2-D");
        }
        int rows = Math.toIntExact(info.shape()[0]);
        int cols = Math.toIntExact(info.shape()[1]);
        return info.dtype() == DType.BF16
                ? new Bf16Rows(source.readShorts(name), rows, cols)
                : new CpuTensor(source.readFloats(name), rows, cols);
    }

    /** With int8 weights, the adapter's stored values in float32: small matrices, kept as trained. */
    @Override
    public Tensor adapterWeight(WeightSource source, String name) {
        return computeType == ComputeType.INT8 ? unquantized(source, name) : weight(source, name);
    }

    private static Tensor unquantized(WeightSource source, String name) {
        return load(source, name, (stored, dtype, rows, cols) -> dtype == DType.BF16
                ? PackedWeight.Bf16.pack(stored, dtype, rows, cols)
                : PackedWeight.F32.pack(stored, dtype, rows, cols));
    }

    private static PackedWeight load(WeightSource source, String name, Packing packing) {
        TensorInfo info = source.info(name);
        if (info.shape().length != 2) {
            throw EngineException.loadFailed("weight " + info + " should be 2-D");
        }
        int rows = Math.toIntExact(info.shape()[0]);
        int cols = Math.toIntExact(info.shape()[1]);
        return packing.pack(source.bytes(name), info.dtype(), rows, cols);
    }

    @Override
    public Tensor vector(WeightSource source, String name) {
        if (computeType != ComputeType.BFLOAT16) {
            float[] values = source.readFloats(name);
            return new CpuTensor(values, 1, values.length);
        }
        // Same rounding as the matrices, so a float32 checkpoint run in bfloat16 matches a bfloat16 one.
        TensorInfo info = source.info(name);
        ByteBuffer stored = source.bytes(name);
        float[] values = new float[Math.toIntExact(info.elementCount())];
        for (int i = 0; i < values.length; i++) {
            values[i] = Bfloat16.toFloat(info.dtype().bfloat16At(stored, i));
        }
        return new CpuTensor(values, 1, values.length);
    }

    @Override
    public Tensor embed(Tensor table, int[] ids) {
        int cols = table.cols();
        CpuTensor out = activation(ids.length, cols);
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id < 0 || id >= table.rows()) {
                throw EngineException.invalid("token id " + id + " is outside the embedding table (" + table.rows() + " rows)");
            }
            switch (table) {
                case PackedWeight w -> w.copyRow(id, out.data(), i * cols);
                case Bf16Rows t -> t.copyRow(id, out.data(), i * cols);
                case CpuTensor t -> System.arraycopy(t.data(), id * cols, out.data(), i * cols, cols);
                default -> throw new IllegalArgumentException("not a cpu table: " + table.getClass().getSimpleName());
            }
        }
        return out;
    }

    @Override
    public Tensor concatRows(List<Tensor> parts) {
        int cols = parts.getFirst().cols();
        int rows = parts.stream().mapToInt(Tensor::rows).sum();
        CpuTensor out = activation(rows, cols);
        int offset = 0;
        for (Tensor part : parts) {
            float[] data = f32(part).data();
            System.arraycopy(data, 0, out.data(), offset, data.length);
            offset += data.length;
        }
        return out;
    }

    @Override
    public Tensor selectRows(Tensor x, int[] rowIndexes) {
        CpuTensor in = f32(x);
        int cols = in.cols();
        CpuTensor out = activation(rowIndexes.length, cols);
        for (int i = 0; i < rowIndexes.length; i++) {
            System.arraycopy(in.data(), rowIndexes[i] * cols, out.data(), i * cols, cols);
        }
        return out;
    }

    @Override
    public Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
        CpuTensor in = f32(x);
        float[] g = f32(gamma).data();
        float[] b = f32(beta).data();
        int cols = in.cols();
        CpuTensor out = activation(in.rows(), cols);
        int bound = F.loopBound(cols);
        for (int r = 0; r < in.rows(); r++) {
            int base = r * cols;
            FloatVector sum = FloatVector.zero(F);
            for (int c = 0; c < bound; c += F.length()) {
                sum = sum.add(FloatVector.fromArray(F, in.data(), base + c));
            }
            float total = sum.reduceLanes(VectorOperators.ADD);
            for (int c = bound; c < cols; c++) {
                total += in.data()[base + c];
            }
            float mean = total / cols;
            FloatVector sq = FloatVector.zero(F);
            for (int c = 0; c < bound; c += F.length()) {
                FloatVector d = FloatVector.fromArray(F, in.data(), base + c).sub(mean);
                sq = d.fma(d, sq);
            }
            float squares = sq.reduceLanes(VectorOperators.ADD);
            for (int c = bound; c < cols; c++) {
                float d = in.data()[base + c] - mean;
                squares += d * d;
            }
            // torch.nn.LayerNorm: biased variance, eps inside the square root.
            float inv = (float) (1.0 / Math.sqrt(squares / cols + eps));
            for (int c = 0; c < cols; c++) {
                out.data()[base + c] = (in.data()[base + c] - mean) * inv * g[c] + b[c];
            }
        }
        return out;
    }

    @Override
    public Tensor linear(Tensor x, Tensor w, Tensor bias) {
        CpuTensor in = f32(x);
        if (in.cols() != w.cols()) {
            throw new IllegalArgumentException("linear: input has " + in.cols() + " features, weight expects " + w.cols());
        }
        int n = in.rows();
        int out = w.rows();
        CpuTensor y = activation(n, out);
        float[] b = bias == null ? null : f32(bias).data();
        boolean parallel = (long) n * out * in.cols() >= PARALLEL_THRESHOLD;
        // Only the last panel can be partial, so one scratch serves whichever thread gets it.
        float[] tail = out % PackedWeight.PANEL == 0 ? null : arena.take(n * PackedWeight.PANEL);
        switch (packed(w)) {
            case PackedWeight.F32 m -> pool.forRange(m.panels(), 1, parallel,
                    (p0, p1) -> LinearKernels.f32(in.data(), n, in.cols(), m.data(), b, y.data(), out, p0, p1, tail));
            case PackedWeight.Bf16 m -> pool.forRange(m.panels(), 1, parallel,
                    (p0, p1) -> LinearKernels.bf16(in.data(), n, in.cols(), m.data(), b, y.data(), out, p0, p1, tail));
            case PackedWeight.Int8 m -> pool.forRange(m.panels(), 1, parallel,
                    (p0, p1) -> Int8Kernels.linear(in.data(), n, in.cols(), m, b, y.data(), out, p0, p1, tail));
        }
        if (tail != null) {
            arena.giveBack(tail);
        }
        return y;
    }

    @Override
    public void addLowRank(Tensor y, Tensor x, int rowStart, int rowCount, Tensor loraA, Tensor loraB, float scale) {
        CpuTensor in = f32(x);
        CpuTensor target = f32(y);
        int cols = in.cols();
        CpuTensor slice = activation(rowCount, cols);
        System.arraycopy(in.data(), rowStart * cols, slice.data(), 0, slice.data().length);
        Tensor down = linear(slice, loraA, null);
        CpuTensor up = f32(linear(down, loraB, null));
        int outCols = target.cols();
        int base = rowStart * outCols;
        for (int i = 0; i < up.data().length; i++) {
            target.data()[base + i] += scale * up.data()[i];
        }
        recycle(slice);
        recycle(down);
        recycle(up);
    }

    @Override
    public void bloomGeluInPlace(Tensor x) {
        float[] d = f32(x).data();
        int bound = F.loopBound(d.length);
        int i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, d, i);
            // x * 0.5 * (1 + tanh(0.79788456 * x * (1 + 0.044715 * x^2)))
            FloatVector inner = v.mul(0.79788456f).mul(v.mul(v).mul(0.044715f).add(1f));
            v.mul(0.5f).mul(inner.lanewise(VectorOperators.TANH).add(1f)).intoArray(d, i);
        }
        for (; i < d.length; i++) {
            float v = d[i];
            d[i] = v * 0.5f * (1f + (float) Math.tanh(0.79788456f * v * (1f + 0.044715f * v * v)));
        }
    }

    @Override
    public void addInPlace(Tensor acc, Tensor x) {
        float[] a = f32(acc).data();
        float[] b = f32(x).data();
        int bound = F.loopBound(a.length);
        int i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector.fromArray(F, a, i).add(FloatVector.fromArray(F, b, i)).intoArray(a, i);
        }
        for (; i < a.length; i++) {
            a[i] += b[i];
        }
    }

    @Override
    public synchronized KvCache newKvCache(int layers, int heads, int headDim, int capacity) {
        if (kvBlocks == null || !kvBlocks.fits(layers, heads, headDim)) {
            kvBlocks = new KvBlockPool(layers, heads, headDim);
        }
        return new CpuKvCache(kvBlocks, capacity);
    }

    @Override
    public Tensor bloomAttention(Tensor qkv, int layer, int heads, int headDim, float[] alibiSlopes,
                                 List<AttentionSpan> spans) {
        CpuTensor fused = f32(qkv);
        CpuTensor context = activation(fused.rows(), heads * headDim);
        for (AttentionSpan span : spans) {
            ((CpuKvCache) span.cache()).reserve(span.cache().length() + span.rowCount());
        }
        int units = spans.size() * heads;
        long work = 0;
        for (AttentionSpan span : spans) {
            work += (long) span.rowCount() * (span.cache().length() + span.rowCount()) * heads * headDim;
        }
        pool.forRange(units, 1, work >= PARALLEL_THRESHOLD, (u0, u1) -> {
            float[] scores = new float[0];
            for (int u = u0; u < u1; u++) {
                AttentionSpan span = spans.get(u / heads);
                int head = u % heads;
                CpuKvCache cache = (CpuKvCache) span.cache();
                scores = BloomAttentionKernel.run(fused.data(), context.data(), cache, span, layer, head, heads, headDim,
                        alibiSlopes[head], scores);
            }
        });
        return context;
    }

    /** The tensor's own array, not a copy: read it before handing the tensor to {@link #recycle}. */
    @Override
    public float[] toFloats(Tensor x) {
        return f32(x).data();
    }

    @Override
    public void recycle(Tensor x) {
        if (x instanceof CpuTensor c) {
            arena.giveBack(c.data());
        }
    }

    @Override
    public void endStep() {
        arena.endStep();
    }

    /** A zeroed result tensor, its array reused from an earlier one of the same size where possible. */
    private CpuTensor activation(int rows, int cols) {
        return new CpuTensor(arena.take(Math.multiplyExact(rows, cols)), rows, cols);
    }

    @Override
    public void close() {
        pool.close();
    }

    private static CpuTensor f32(Tensor t) {
        if (t instanceof CpuTensor c) {
            return c;
        }
        throw new IllegalArgumentException("not a float32 cpu tensor: " + t.getClass().getSimpleName());
    }

    private static PackedWeight packed(Tensor t) {
        if (t instanceof PackedWeight w) {
            return w;
        }
        throw new IllegalArgumentException("not a cpu weight: " + t.getClass().getSimpleName());
    }

}
