package dev.peftbench.engine.tensor.cpu;

import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.InputField;
import dev.peftbench.engine.PrefixCacheStats;
import dev.peftbench.engine.load.DType;
import dev.peftbench.engine.load.StackedMatrix;
import dev.peftbench.engine.load.TensorInfo;
import dev.peftbench.engine.load.WeightSource;
import dev.peftbench.engine.tensor.AttentionSpan;
import dev.peftbench.engine.tensor.KvCache;
import dev.peftbench.engine.tensor.PositionScheme;
import dev.peftbench.engine.tensor.QkvLayout;
import dev.peftbench.engine.tensor.Tensor;
import dev.peftbench.engine.tensor.TensorOps;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The CPU backend: Java arrays and Vector API kernels, the output panels of each matrix product split
 * across the cores. Weight matrices are repacked at load ({@link PackedWeight}); float32 compute keeps
 * float32 weights, bfloat16 compute keeps bfloat16 weights (read as stored, or rounded once at load) and
 * accumulates in float32; int8 and q4 quantize the base model's matrices to q8_0 or q4_0 blocks and keep everything
 * else (embedding rows, norms, biases, adapters, activations) unquantized.
 */
public final class CpuTensorOps implements TensorOps {

    private static final VectorSpecies<Float> F = LinearKernels.F;
    /** Below this many multiply-adds a kernel runs on the calling thread: waking workers would cost more. */
    private static final long PARALLEL_THRESHOLD = 1L << 16;

    private final ComputeType computeType;
    private final WorkerPool pool;
    private final ActivationArena arena = new ActivationArena();
    /** Bytes of the weights every forward reads ({@link #weightBytes}). */
    private final AtomicLong weightBytes = new AtomicLong();
    /** The KV blocks of this backend's model (one geometry; another only in tests), freed on {@link #close}. */
    private final List<KvBlockPool> kvPools = new ArrayList<>();
    private long prefixCacheBytes;

    /** A backend over {@code threads} cores; its kernels start compiling at once, on a thread of their own ({@link KernelWarmUp}). */
    public CpuTensorOps(ComputeType computeType, int threads) {
        this(computeType, threads, true);
    }

    CpuTensorOps(ComputeType computeType, int threads, boolean warmUpKernels) {
        if (computeType == ComputeType.FLOAT16) {
            throw EngineException.invalid("the cpu backend computes in float32, bfloat16, int8 or q4; for float16 use {0} djl", InputField.BACKEND);
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

    @Override
    public Tensor weight(WeightSource source, List<String> names) {
        return counted(pack(StackedMatrix.of(source, names)));
    }

    private PackedWeight pack(StackedMatrix m) {
        return switch (computeType) {
            case BFLOAT16 -> PackedWeight.Bf16.pack(m.bytes(), m.dtype(), m.rows(), m.cols());
            // Base weights load before the model's scheduler starts, so the pool is free; adapters never come here.
            case INT8 -> PackedWeight.Int8.pack(m.bytes(), m.dtype(), m.rows(), m.cols(), pool);
            case Q4 -> PackedWeight.Q4.pack(m.bytes(), m.dtype(), m.rows(), m.cols(), pool);
            default -> PackedWeight.F32.pack(m.bytes(), m.dtype(), m.rows(), m.cols());
        };
    }

    @Override
    public Tensor attentionWeight(WeightSource source, List<String> names, int layer) {
        return quantized() && layer == 0 ? counted(float32Weight(source, names)) : weight(source, names);
    }

    private boolean quantized() {
        return computeType == ComputeType.INT8 || computeType == ComputeType.Q4;
    }

    /**
     * With int8 or q4 weights, the stored values row-major, copied as they are: bfloat16 for a bfloat16 checkpoint,
     * else float32 (both exact).
     */
    @Override
    public Tensor embeddingTable(WeightSource source, String name, Tensor weight) {
        if (!quantized()) {
            // Not counted: a step reads only the rows it looks up.
            return weight != null ? weight : pack(StackedMatrix.of(source, List.of(name)));
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

    @Override
    public Tensor adapterWeight(WeightSource source, String name) {
        return float32Weight(source, List.of(name));
    }

    private PackedWeight counted(PackedWeight w) {
        weightBytes.addAndGet(w.bytes());
        return w;
    }

    @Override
    public long weightBytes() {
        return weightBytes.get();
    }

    private static PackedWeight float32Weight(WeightSource source, List<String> names) {
        StackedMatrix m = StackedMatrix.of(source, names);
        return PackedWeight.F32.pack(m.bytes(), m.dtype(), m.rows(), m.cols());
    }

    /** Widened to float32 as stored, also in bfloat16 compute: a few KB per layer, and every bit of a norm scale or bias kept. */
    @Override
    public Tensor vector(WeightSource source, List<String> names) {
        int length = 0;
        for (String name : names) {
            length += Math.toIntExact(source.info(name).elementCount());
        }
        float[] values = new float[length];
        int at = 0;
        for (String name : names) {
            float[] part = source.readFloats(name);
            System.arraycopy(part, 0, values, at, part.length);
            at += part.length;
        }
        weightBytes.addAndGet(4L * values.length);
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
            CpuTensor t = f32(part);
            System.arraycopy(t.data(), 0, out.data(), offset, t.size());
            offset += t.size();
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
        float[] b = beta == null ? null : f32(beta).data();
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
                out.data()[base + c] = (in.data()[base + c] - mean) * inv * g[c] + (b == null ? 0f : b[c]);
            }
        }
        return out;
    }

    @Override
    public Tensor rmsNorm(Tensor x, Tensor weight, float eps) {
        CpuTensor in = f32(x);
        CpuTensor out = activation(in.rows(), in.cols());
        float[] w = f32(weight).data();
        for (int r = 0; r < in.rows(); r++) {
            rmsNorm(in.data(), r * in.cols(), out.data(), r * in.cols(), in.cols(), w, eps);
        }
        return out;
    }

    @Override
    public void headRmsNormInPlace(Tensor qkv, QkvLayout layout, Tensor qWeight, Tensor kWeight, float eps) {
        CpuTensor t = f32(qkv);
        float[] d = t.data();
        float[] qw = f32(qWeight).data();
        float[] kw = f32(kWeight).data();
        int dim = layout.headDim();
        for (int r = 0; r < t.rows(); r++) {
            int row = r * t.cols();
            for (int h = 0; h < layout.heads(); h++) {
                rmsNorm(d, row + layout.q(h), d, row + layout.q(h), dim, qw, eps);
            }
            for (int g = 0; g < layout.kvHeads(); g++) {
                rmsNorm(d, row + layout.k(g), d, row + layout.k(g), dim, kw, eps);
            }
        }
    }

    /**
     * LlamaRMSNorm over {@code n} values: {@code x · rsqrt(mean(x²) + eps) · w}; {@code out} may be {@code in}.
     * The mean of squares sums in float32 vectors, as torch reduces.
     */
    private static void rmsNorm(float[] in, int from, float[] out, int to, int n, float[] w, float eps) {
        int bound = F.loopBound(n);
        FloatVector sq = FloatVector.zero(F);
        for (int c = 0; c < bound; c += F.length()) {
            FloatVector v = FloatVector.fromArray(F, in, from + c);
            sq = v.fma(v, sq);
        }
        float squares = sq.reduceLanes(VectorOperators.ADD);
        for (int c = bound; c < n; c++) {
            squares += in[from + c] * in[from + c];
        }
        float inv = (float) (1.0 / Math.sqrt(squares / n + eps));
        int c = 0;
        for (; c < bound; c += F.length()) {
            FloatVector.fromArray(F, in, from + c).mul(inv).mul(FloatVector.fromArray(F, w, c)).intoArray(out, to + c);
        }
        for (; c < n; c++) {
            out[to + c] = in[from + c] * inv * w[c];
        }
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
            case PackedWeight.Q4 m -> pool.forRange(m.panels(), 1, parallel,
                    (p0, p1) -> Q4Kernels.linear(in.data(), n, in.cols(), m, b, y.data(), out, p0, p1, tail));
        }
        if (tail != null) {
            arena.giveBack(tail);
        }
        return y;
    }

    @Override
    public void addLowRank(Tensor y, Tensor x, int rowStart, int rowCount, int colStart, Tensor loraA, Tensor loraB,
                           float scale) {
        CpuTensor in = f32(x);
        CpuTensor target = f32(y);
        int cols = in.cols();
        CpuTensor slice = activation(rowCount, cols);
        System.arraycopy(in.data(), rowStart * cols, slice.data(), 0, slice.size());
        Tensor down = linear(slice, loraA, null);
        CpuTensor up = f32(linear(down, loraB, null));
        int outCols = target.cols();
        int width = up.cols();
        if (colStart < 0 || colStart + width > outCols) {
            throw new IllegalArgumentException("LoRA update of " + width + " columns at " + colStart + " does not fit " + outCols);
        }
        for (int r = 0; r < rowCount; r++) {
            int base = (rowStart + r) * outCols + colStart;
            for (int c = 0; c < width; c++) {
                target.data()[base + c] += scale * up.data()[r * width + c];
            }
        }
        recycle(slice);
        recycle(down);
        recycle(up);
    }

    @Override
    public void geluTanhInPlace(Tensor x) {
        CpuTensor t = f32(x);
        float[] d = t.data();
        int n = t.size();
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, d, i);
            // x * 0.5 * (1 + tanh(0.79788456 * x * (1 + 0.044715 * x^2)))
            FloatVector inner = v.mul(0.79788456f).mul(v.mul(v).mul(0.044715f).add(1f));
            v.mul(0.5f).mul(inner.lanewise(VectorOperators.TANH).add(1f)).intoArray(d, i);
        }
        for (; i < n; i++) {
            float v = d[i];
            d[i] = v * 0.5f * (1f + (float) Math.tanh(0.79788456f * v * (1f + 0.044715f * v * v)));
        }
    }

    @Override
    public Tensor siluGate(Tensor gateUp) {
        CpuTensor in = f32(gateUp);
        int n = in.cols() / 2;
        CpuTensor out = activation(in.rows(), n);
        float[] a = in.data();
        float[] o = out.data();
        int bound = F.loopBound(n);
        for (int r = 0; r < in.rows(); r++) {
            int gate = r * in.cols();
            int up = gate + n;
            int to = r * n;
            int c = 0;
            for (; c < bound; c += F.length()) {
                // silu(g) = g / (1 + exp(-g)) (torch.nn.functional.silu)
                FloatVector g = FloatVector.fromArray(F, a, gate + c);
                FloatVector sig = g.neg().lanewise(VectorOperators.EXP).add(1f);
                g.div(sig).mul(FloatVector.fromArray(F, a, up + c)).intoArray(o, to + c);
            }
            for (; c < n; c++) {
                float g = a[gate + c];
                o[to + c] = g / (1f + (float) Math.exp(-g)) * a[up + c];
            }
        }
        return out;
    }

    @Override
    public void addInPlace(Tensor acc, Tensor x) {
        CpuTensor sum = f32(acc);
        CpuTensor term = f32(x);
        if (sum.rows() != term.rows() || sum.cols() != term.cols()) {
            throw new IllegalArgumentException("add: [" + term.rows() + ", " + term.cols() + "] into [" + sum.rows() + ", "
                    + sum.cols() + "]");
        }
        float[] a = sum.data();
        float[] b = term.data();
        int n = sum.size();
        int bound = F.loopBound(n);
        int i = 0;
        for (; i < bound; i += F.length()) {
            FloatVector.fromArray(F, a, i).add(FloatVector.fromArray(F, b, i)).intoArray(a, i);
        }
        for (; i < n; i++) {
            a[i] += b[i];
        }
    }

    @Override
    public synchronized KvCache newKvCache(int layers, int kvHeads, int headDim, int capacity) {
        KvBlockPool blocks = kvPools.stream().filter(p -> p.fits(layers, kvHeads, headDim)).findFirst().orElse(null);
        if (blocks == null) {
            blocks = new KvBlockPool(layers, kvHeads, headDim);
            blocks.keepIdle(prefixCacheBytes);
            kvPools.add(blocks);
        }
        return new CpuKvCache(blocks, capacity);
    }

    @Override
    public synchronized void keepPrefixBlocks(long bytes) {
        prefixCacheBytes = bytes;
        kvPools.forEach(p -> p.keepIdle(bytes));
    }

    @Override
    public synchronized PrefixCacheStats prefixCacheStats() {
        return kvPools.stream().map(KvBlockPool::stats).reduce(PrefixCacheStats.NONE, PrefixCacheStats::plus);
    }

    /** Native memory held by KV blocks (off the Java heap). */
    synchronized long kvCacheBytes() {
        return kvPools.stream().mapToLong(KvBlockPool::bytes).sum();
    }

    @Override
    public Tensor attention(Tensor qkv, int layer, QkvLayout layout, PositionScheme positions, List<AttentionSpan> spans) {
        CpuTensor fused = f32(qkv);
        if (fused.cols() != layout.cols()) {
            throw new IllegalArgumentException("attention: rows of " + fused.cols() + " columns, layout needs " + layout.cols());
        }
        CpuTensor context = activation(fused.rows(), layout.contextCols());
        PositionScheme.Rotary rotary = positions instanceof PositionScheme.Rotary r ? r : null;
        PositionScheme.Alibi alibi = positions instanceof PositionScheme.Alibi a ? a : null;
        long work = 0;
        long written = 0;
        int longest = 0;
        long[] cost = new long[spans.size()];
        for (int i = 0; i < cost.length; i++) {
            AttentionSpan span = spans.get(i);
            int end = span.cache().length() + span.rowCount();
            ((CpuKvCache) span.cache()).reserve(end);
            longest = Math.max(longest, end);
            cost[i] = (long) span.rowCount() * end;
            work += cost[i] * layout.heads() * layout.headDim();
            written += (long) span.rowCount() * layout.kvHeads() * layout.headDim();
        }
        if (rotary != null) {
            rotary.prepare(longest);
        }
        int heads = layout.heads();
        int[] order = costliestFirst(cost);
        if (layout.kvHeads() == heads) {
            // A KV head per query head (BLOOM): each unit writes its head's keys and values and attends right after,
            // on the same core, to the lines it just wrote (a separate write pass made attention ~1.7x slower at
            // 8 streams in bench --profile).
            pool.<float[]>forEachUnit(spans.size() * heads, work >= PARALLEL_THRESHOLD, (u, scores) -> {
                AttentionSpan span = spans.get(order[u / heads]);
                int head = u % heads;
                CpuKvCache cache = (CpuKvCache) span.cache();
                AttentionKernel.writeKeysAndValues(fused.data(), layout, cache, span, layer, head, rotary);
                return AttentionKernel.attend(fused.data(), layout, context.data(), cache, span, layer, head,
                        alibi == null ? 0f : alibi.slope(head), rotary, scores == null ? new float[0] : scores);
            });
            return context;
        }
        // Grouped KV heads: keys and values first (each is read by several query heads), then a unit per query head.
        // A decode step's writes are a few KB: waking the workers for them would cost more than they take.
        int kvHeads = layout.kvHeads();
        pool.forEachUnit(spans.size() * kvHeads, written >= PARALLEL_THRESHOLD, (u, none) -> {
            AttentionSpan span = spans.get(order[u / kvHeads]);
            AttentionKernel.writeKeysAndValues(fused.data(), layout, (CpuKvCache) span.cache(), span, layer, u % kvHeads, rotary);
            return null;
        });
        pool.<float[]>forEachUnit(spans.size() * heads, work >= PARALLEL_THRESHOLD, (u, scores) -> {
            AttentionSpan span = spans.get(order[u / heads]);
            int head = u % heads;
            return AttentionKernel.attend(fused.data(), layout, context.data(), (CpuKvCache) span.cache(), span, layer,
                    head, alibi == null ? 0f : alibi.slope(head), rotary, scores == null ? new float[0] : scores);
        });
        return context;
    }

    /**
     * Span indices, the costliest attention first ({@code cost}: rows times context), for
     * {@link WorkerPool#forEachUnit}: a prompt chunk's heads cost hundreds of times a decode row's, and with equal
     * shares of (span, head) units one core got a 1,800-position chunk's whole attention while the other finished two
     * decode rows' (steps 30% longer).
     */
    private static int[] costliestFirst(long[] cost) {
        int[] order = new int[cost.length];
        for (int i = 0; i < cost.length; i++) {
            int j = i;
            for (; j > 0 && cost[order[j - 1]] < cost[i]; j--) {
                order[j] = order[j - 1];
            }
            order[j] = i;
        }
        return order;
    }

    /**
     * The tensor's own array when it holds exactly the values (read it before handing the tensor to {@link #recycle}),
     * else a copy: an activation's array may be longer than its values.
     */
    @Override
    public float[] toFloats(Tensor x) {
        CpuTensor t = f32(x);
        return t.size() == t.data().length ? t.data() : Arrays.copyOf(t.data(), t.size());
    }

    @Override
    public double[] targetLogProbabilities(Tensor logits, int[] rows, int[] targets) {
        CpuTensor t = f32(logits);
        if (rows.length != targets.length) {
            throw new IllegalArgumentException(rows.length + " rows for " + targets.length + " targets");
        }
        int vocab = t.cols();
        for (int i = 0; i < rows.length; i++) {
            Objects.checkIndex(rows[i], t.rows());
            Objects.checkIndex(targets[i], vocab);
        }
        double[] normalisers = new double[t.rows()];
        pool.forRange(t.rows(), 1, (long) t.rows() * vocab >= PARALLEL_THRESHOLD, (r0, r1) -> {
            for (int r = r0; r < r1; r++) {
                normalisers[r] = LogSoftmaxKernel.normaliser(t.data(), r * vocab, vocab);
            }
        });
        double[] out = new double[rows.length];
        for (int i = 0; i < rows.length; i++) {
            out[i] = t.data()[rows[i] * vocab + targets[i]] - normalisers[rows[i]];
        }
        return out;
    }

    @Override
    public void copyFloats(Tensor x, float[] into) {
        CpuTensor t = f32(x);
        System.arraycopy(t.data(), 0, into, 0, t.size());
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

    /** Stops the worker threads and frees the KV blocks; the model's sequences are over. */
    @Override
    public synchronized void close() {
        pool.close();
        kvPools.forEach(KvBlockPool::close);
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
