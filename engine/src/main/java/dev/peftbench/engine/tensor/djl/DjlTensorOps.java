package dev.peftbench.engine.tensor.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.GradientCollector;
import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.Device;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.InputField;
import dev.peftbench.engine.load.StackedMatrix;
import dev.peftbench.engine.load.WeightSource;
import dev.peftbench.engine.tensor.AttentionSpan;
import dev.peftbench.engine.tensor.Autograd;
import dev.peftbench.engine.tensor.KvCache;
import dev.peftbench.engine.tensor.PositionScheme;
import dev.peftbench.engine.tensor.QkvLayout;
import dev.peftbench.engine.tensor.Tensor;
import dev.peftbench.engine.tensor.TensorOps;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * The PyTorch backend through DJL: the GPU path, float16 compute, and a cross-check of the CPU kernels.
 * Weights and caches live in a long-lived manager on the device; each forward's temporaries in a step
 * manager freed by {@link #endStep()}. Layer norm, RMSNorm, RoPE and the attention softmax run in float32,
 * as transformers does ({@code attention_softmax_in_fp32}); LoRA matrices stay float32. No bfloat16 array
 * is ever created: DJL 0.36's PyTorch engine aborts the JVM on one (its JNI layer maps no dtype code to
 * bfloat16), so 16-bit checkpoints are widened in Java.
 *
 * <p>Training ({@link #forTraining}) records the same operations for PyTorch's autograd ({@link Autograd}):
 * nothing autograd saved for the backward pass is written in place ("in place" operations give the tensor
 * a new array), caches keep each forward's keys and values instead of writing them into one array, and
 * LoRA inputs may pass through dropout.
 */
public final class DjlTensorOps implements TensorOps, Autograd {

    private static final Logger LOG = LoggerFactory.getLogger(DjlTensorOps.class);

    /**
     * PyTorch's grad mode is per thread but DJL lets one {@link GradientCollector} record at a time in a
     * process; two trainings in one process take turns per step.
     */
    private static final ReentrantLock RECORDING = new ReentrantLock();

    private final ComputeType computeType;
    private final DataType dataType;
    private final boolean training;
    private final NDManager base;
    private NDManager step;
    private double dropout;
    private SplittableRandom dropoutMasks;

    public DjlTensorOps(Device device, ComputeType computeType) {
        this(device, computeType, false);
    }

    /** A float32 backend whose forwards autograd can differentiate (see {@link Autograd}). */
    public static DjlTensorOps forTraining(Device device) {
        return new DjlTensorOps(device, ComputeType.FLOAT32, true);
    }

    private DjlTensorOps(Device device, ComputeType computeType, boolean training) {
        if (computeType == ComputeType.BFLOAT16) {
            throw EngineException.invalid("the djl backend computes in float32 or float16 (PyTorch through DJL cannot hold "
                    + "bfloat16 arrays); for bfloat16 use {0} cpu", InputField.BACKEND);
        }
        if (computeType == ComputeType.INT8 || computeType == ComputeType.Q4) {
            throw EngineException.invalid("the djl backend computes in float32 or float16; " + computeType.label()
                    + " weights run on the cpu backend: use {0} cpu (or auto) with {1} cpu", InputField.BACKEND, InputField.DEVICE);
        }
        ai.djl.engine.Engine engine = PyTorchNatives.engine();
        if (device == Device.GPU && engine.getGpuCount() == 0) {
            throw EngineException.invalid("no CUDA GPU is visible to PyTorch; use {0} cpu", InputField.DEVICE);
        }
        this.computeType = computeType;
        this.training = training;
        this.dataType = computeType == ComputeType.FLOAT16 ? DataType.FLOAT16 : DataType.FLOAT32;
        this.base = engine.newBaseManager(device == Device.GPU ? ai.djl.Device.gpu() : ai.djl.Device.cpu());
        this.step = base.newSubManager();
        LOG.info("djl backend: {} {} on {}, computing in {}", engine.getEngineName(), engine.getVersion(), base.getDevice(),
                computeType.label());
    }

    @Override
    public String name() {
        return "djl";
    }

    @Override
    public ComputeType computeType() {
        return computeType;
    }

    private NDArray upload(float[] values, Shape shape) {
        NDArray f32 = base.create(values, shape);
        if (dataType == DataType.FLOAT32) {
            return f32;
        }
        NDArray half = f32.toType(dataType, false);
        f32.close();
        return half;
    }

    @Override
    public Tensor weight(WeightSource source, List<String> names) {
        StackedMatrix m = StackedMatrix.of(source, names);
        return new DjlTensor(upload(m.floats(), new Shape(m.rows(), m.cols())));
    }

    @Override
    public Tensor adapterWeight(WeightSource source, String name) {
        StackedMatrix m = StackedMatrix.of(source, List.of(name));
        return new DjlTensor(base.create(m.floats(), new Shape(m.rows(), m.cols())));
    }

    @Override
    public Tensor vector(WeightSource source, List<String> names) {
        List<float[]> parts = names.stream().map(source::readFloats).toList();
        float[] values = new float[parts.stream().mapToInt(p -> p.length).sum()];
        int at = 0;
        for (float[] part : parts) {
            System.arraycopy(part, 0, values, at, part.length);
            at += part.length;
        }
        return new DjlTensor(upload(values, new Shape(1, values.length)));
    }

    private NDArray local(NDArray a) {
        a.attach(step);
        return a;
    }

    /**
     * {@code a} as float32: {@code a} itself when it already is (it may be a weight, so it is never handed to
     * the step's manager), else a step temporary.
     */
    private NDArray float32(NDArray a) {
        return a.getDataType() == DataType.FLOAT32 ? a : local(a.toType(DataType.FLOAT32, false));
    }

    /**
     * {@code value} as a step array. Arithmetic with a Java number would make DJL create a scalar array over a
     * Java buffer and close it at once, while autograd keeps it for the backward pass (a product's gradient
     * needs the factor): the collector may then free the buffer under it. A step array lives until the step ends.
     */
    private NDArray scalar(float value) {
        return local(local(step.create(value)).toDevice(base.getDevice(), false));
    }

    private static NDArray array(Tensor t) {
        return ((DjlTensor) t).array;
    }

    private NDArray indexes(int[] ids) {
        long[] longs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            longs[i] = ids[i];
        }
        return step.create(longs).toDevice(base.getDevice(), false);
    }

    @Override
    public Tensor embed(Tensor table, int[] ids) {
        for (int id : ids) {
            if (id < 0 || id >= table.rows()) {
                throw EngineException.invalid("token id " + id + " is outside the embedding table (" + table.rows() + " rows)");
            }
        }
        return new DjlTensor(local(array(table).get(indexes(ids))));
    }

    @Override
    public Tensor concatRows(List<Tensor> parts) {
        NDList list = new NDList();
        parts.forEach(p -> list.add(array(p)));
        return new DjlTensor(local(NDArrays.concat(list, 0)));
    }

    @Override
    public Tensor selectRows(Tensor x, int[] rowIndexes) {
        return new DjlTensor(local(array(x).get(indexes(rowIndexes))));
    }

    @Override
    public Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps) {
        int cols = x.cols();
        NDArray g = local(float32(array(gamma)).reshape(cols));
        NDArray b = beta == null ? step.zeros(new Shape(cols), DataType.FLOAT32)
                : local(float32(array(beta)).reshape(cols));
        NDArray out = local(LayerNorm.layerNorm(float32(array(x)), new Shape(cols), g, b, eps).singletonOrThrow());
        return new DjlTensor(local(out.toType(dataType, false)));
    }

    @Override
    public Tensor rmsNorm(Tensor x, Tensor weight, float eps) {
        return new DjlTensor(rms(array(x), array(weight), x.cols(), eps));
    }

    /** modeling_llama.LlamaRMSNorm over the last axis: in float32, scaled by the weight in the compute type. */
    private NDArray rms(NDArray x, NDArray weight, int cols, float eps) {
        NDArray wide = float32(x);
        NDArray inv = local(local(local(local(wide.square()).mean(new int[] {-1}, true)).add(scalar(eps))).sqrt());
        NDArray normed = local(local(wide.div(inv)).toType(dataType, false));
        return local(normed.mul(local(weight.reshape(cols))));
    }

    @Override
    public void headRmsNormInPlace(Tensor qkv, QkvLayout layout, Tensor qWeight, Tensor kWeight, float eps) {
        if (layout.qStride() != layout.headDim() || layout.kStride() != layout.headDim()) {
            throw new UnsupportedOperationException("per-head norms need the query and key heads side by side");
        }
        int n = qkv.rows();
        int d = layout.headDim();
        // The normed heads go into a copy: the original columns are what the norm's backward pass reads.
        NDArray source = array(qkv);
        NDArray normed = local(source.duplicate());
        normHeads(source, normed, layout.qBase(), layout.heads(), n, d, array(qWeight), eps);
        normHeads(source, normed, layout.kBase(), layout.kvHeads(), n, d, array(kWeight), eps);
        ((DjlTensor) qkv).replace(normed);
    }

    private void normHeads(NDArray source, NDArray target, int from, int heads, int n, int d, NDArray weight, float eps) {
        NDIndex columns = new NDIndex(":, {}:{}", from, from + heads * d);
        NDArray heads2d = local(local(source.get(columns)).reshape(n * (long) heads, d));
        target.set(columns, local(rms(heads2d, weight, d, eps).reshape(n, (long) heads * d)));
    }

    @Override
    public Tensor linear(Tensor x, Tensor w, Tensor bias) {
        NDArray b = bias == null ? null : local(array(bias).reshape(bias.cols()));
        NDList out = b == null ? Linear.linear(array(x), array(w)) : Linear.linear(array(x), array(w), b);
        return new DjlTensor(local(out.singletonOrThrow()));
    }

    @Override
    public void addLowRank(Tensor y, Tensor x, int rowStart, int rowCount, int colStart, Tensor loraA, Tensor loraB,
                           float scale) {
        // In the adapter's type (float32, peft's autocast_adapter_dtype), added in the compute type;
        // peft's LoRA layer: lora_B(lora_A(dropout(x))) * scaling.
        NDArray slice = local(array(x).get(new NDIndex("{}:{}", rowStart, rowStart + rowCount)));
        NDArray wide = dropped(local(slice.toType(array(loraA).getDataType(), false)));
        NDArray down = local(Linear.linear(wide, array(loraA)).singletonOrThrow());
        NDArray scaled = local(local(Linear.linear(down, array(loraB)).singletonOrThrow()).mul(scalar(scale)));
        NDArray up = local(scaled.toType(dataType, false));
        NDIndex target = new NDIndex("{}:{}, {}:{}", rowStart, rowStart + rowCount, colStart, colStart + loraB.rows());
        NDArray updated = local(array(y).get(target)).add(up);
        array(y).set(target, local(updated));
    }

    /** {@code x} through the LoRA dropout, when it is on. */
    private NDArray dropped(NDArray x) {
        if (dropout == 0) {
            return x;
        }
        float keep = (float) (1 / (1 - dropout));
        float[] mask = new float[Math.toIntExact(x.size())];
        for (int i = 0; i < mask.length; i++) {
            mask[i] = dropoutMasks.nextDouble() < dropout ? 0f : keep;
        }
        NDArray onDevice = local(local(step.create(mask, x.getShape())).toDevice(base.getDevice(), false));
        return local(x.mul(onDevice));
    }

    @Override
    public Tensor siluGate(Tensor gateUp) {
        int n = gateUp.cols() / 2;
        NDArray gate = local(array(gateUp).get(new NDIndex(":, 0:{}", n)));
        NDArray up = local(array(gateUp).get(new NDIndex(":, {}:{}", n, 2 * n)));
        // torch.nn.functional.silu: g · sigmoid(g)
        NDArray silu = local(gate.mul(local(Activation.sigmoid(gate))));
        return new DjlTensor(local(silu.mul(up)));
    }

    @Override
    public void geluTanhInPlace(Tensor x) {
        // modeling_bloom.bloom_gelu_forward: x * 0.5 * (1 + tanh(0.79788456 * x * (1 + 0.044715 * x^2)));
        // out of place, as autograd needs x and tanh's output as they were.
        NDArray v = array(x);
        NDArray inner = local(local(local(local(local(v.mul(v)).mul(scalar(0.044715f))).add(scalar(1f))).mul(v))
                .mul(scalar(0.79788456f)));
        NDArray gate = local(local(local(inner.tanh()).add(scalar(1f))).mul(scalar(0.5f)));
        ((DjlTensor) x).replace(local(v.mul(gate)));
    }

    @Override
    public void addInPlace(Tensor acc, Tensor x) {
        ((DjlTensor) acc).replace(local(array(acc).add(array(x))));
    }

    @Override
    public KvCache newKvCache(int layers, int kvHeads, int headDim, int capacity) {
        return training ? new DjlKvCache.Appended(base, layers, capacity)
                : new DjlKvCache.Preallocated(base, layers, kvHeads, headDim, capacity, dataType);
    }

    @Override
    public Tensor attention(Tensor qkv, int layer, QkvLayout layout, PositionScheme positions, List<AttentionSpan> spans) {
        NDList contexts = new NDList();
        int heads = layout.heads();
        int kvHeads = layout.kvHeads();
        int headDim = layout.headDim();
        int group = heads / kvHeads;
        float invNorm = (float) (1.0 / Math.sqrt(headDim));
        for (AttentionSpan span : spans) {
            DjlKvCache cache = (DjlKvCache) span.cache();
            int n = span.rowCount();
            int past = cache.length();
            int total = past + n;
            NDArray rows = local(array(qkv).get(new NDIndex("{}:{}", span.rowStart(), span.rowStart() + n)));
            NDArray q = heads(rows, n, layout.qBase(), layout.qStride(), heads, headDim, layout.cols());
            NDArray k = heads(rows, n, layout.kBase(), layout.kStride(), kvHeads, headDim, layout.cols());
            NDArray v = heads(rows, n, layout.vBase(), layout.vStride(), kvHeads, headDim, layout.cols());
            if (positions instanceof PositionScheme.Rotary rotary) {
                q = rotate(q, rotary, past, n);
                k = rotate(k, rotary, past, n);
            }
            // [n, heads, headDim] -> [heads, n, headDim], as the cache holds them.
            NDArray[] cached = cache.store(layer, local(k.transpose(1, 0, 2)), local(v.transpose(1, 0, 2)), past, step);
            NDArray keys = cached[0];
            NDArray values = cached[1];
            // A KV head's query heads side by side: [kvHeads, group·n, headDim] (modeling_llama's repeat_kv, unrepeated).
            NDArray grouped = local(local(q.transpose(1, 0, 2)).reshape(kvHeads, (long) group * n, headDim));
            NDArray scores = local(local(grouped.matMul(local(keys.transpose(0, 2, 1)))).toType(DataType.FLOAT32, false)).muli(scalar(invNorm));
            scores.addi(local(biasAndMask(positions, heads, n, past, total).reshape(kvHeads, (long) group * n, total)));
            NDArray probs = local(local(scores.softmax(2)).toType(dataType, false));
            NDArray context = local(local(local(probs.matMul(values)).reshape(heads, n, headDim)).transpose(1, 0, 2))
                    .reshape(n, (long) heads * headDim);
            contexts.add(local(context));
        }
        return new DjlTensor(contexts.size() == 1 ? contexts.singletonOrThrow() : local(NDArrays.concat(contexts, 0)));
    }

    /**
     * Heads {@code [n, count, headDim]} whose features start at column {@code first + h·stride} of each row:
     * the row seen as {@code [cols / stride, stride]} blocks, sliced.
     */
    private NDArray heads(NDArray rows, int n, int first, int stride, int count, int headDim, int cols) {
        NDArray blocks = local(rows.reshape(n, cols / stride, stride));
        int block = first / stride;
        int offset = first % stride;
        return local(blocks.get(new NDIndex(":, {}:{}, {}:{}", block, block + count, offset, offset + headDim)));
    }

    /** {@code x · cos + rotate_half(x) · sin} for positions {@code [past, past + n)} (modeling_llama.apply_rotary_pos_emb). */
    private NDArray rotate(NDArray x, PositionScheme.Rotary rotary, int past, int n) {
        int d = rotary.headDim();
        Shape shape = new Shape(n, 1, d);
        NDArray cos = local(local(step.create(rotary.table(past, n, false), shape)).toDevice(base.getDevice(), false));
        NDArray sin = local(local(step.create(rotary.table(past, n, true), shape)).toDevice(base.getDevice(), false));
        NDArray first = local(x.get(new NDIndex(":, :, 0:{}", d / 2)));
        NDArray second = local(x.get(new NDIndex(":, :, {}:{}", d / 2, d)));
        NDArray rotated = local(NDArrays.concat(new NDList(local(second.neg()), first), 2));
        NDArray wide = float32(x);
        NDArray out = local(local(wide.mul(cos)).add(local(local(float32(rotated)).mul(sin))));
        return local(out.toType(dataType, false));
    }

    /** The causal mask (a large negative for keys after the query) plus, with ALiBi, {@code slope[h] · keyPosition}. */
    private NDArray biasAndMask(PositionScheme positions, int heads, int n, int past, int total) {
        float[] values = new float[heads * n * total];
        for (int h = 0; h < heads; h++) {
            float slope = positions instanceof PositionScheme.Alibi alibi ? alibi.slope(h) : 0f;
            for (int i = 0; i < n; i++) {
                int at = (h * n + i) * total;
                for (int j = 0; j < total; j++) {
                    values[at + j] = j <= past + i ? slope * j : -Float.MAX_VALUE;
                }
            }
        }
        return local(local(step.create(values, new Shape(heads, n, total))).toDevice(base.getDevice(), false));
    }

    @Override
    public Tensor parameter(float[] values, int rows, int cols, boolean trainable) {
        return new DjlTensor(leaf(values, rows, cols, trainable));
    }

    private NDArray leaf(float[] values, int rows, int cols, boolean trainable) {
        NDArray array = base.create(values, new Shape(rows, cols));
        if (trainable) {
            array.setRequiresGradient(true);
        }
        return array;
    }

    @Override
    public void assign(Tensor parameter, float[] values) {
        DjlTensor t = (DjlTensor) parameter;
        NDArray old = t.array;
        t.replace(leaf(values, t.rows(), t.cols(), old.hasGradient()));
        old.close();
    }

    @Override
    public Tensor crossEntropySum(Tensor logits, int[] targets) {
        int[] rows = new int[targets.length];
        Arrays.setAll(rows, i -> i);
        NDArray picked = targetLogSoftmax(logits, rows, targets);
        return new DjlTensor(local(local(local(picked.sum()).neg()).reshape(1, 1)));
    }

    @Override
    public double[] targetLogProbabilities(Tensor logits, int[] rows, int[] targets) {
        float[] picked = targetLogSoftmax(logits, rows, targets).toFloatArray();
        double[] out = new double[picked.length];
        for (int i = 0; i < picked.length; i++) {
            out[i] = picked[i];
        }
        return out;
    }

    /** {@code log_softmax(logits, 1)} at each (row, target) pair: {@code [pairs]}, a step array. */
    private NDArray targetLogSoftmax(Tensor logits, int[] rows, int[] targets) {
        if (rows.length != targets.length) {
            throw new IllegalArgumentException(rows.length + " rows for " + targets.length + " targets");
        }
        long[] flat = new long[targets.length];
        for (int i = 0; i < targets.length; i++) {
            if (targets[i] < 0 || targets[i] >= logits.cols()) {
                throw new IllegalArgumentException("target id " + targets[i] + " is outside the " + logits.cols() + " logits");
            }
            Objects.checkIndex(rows[i], logits.rows());
            flat[i] = (long) rows[i] * logits.cols() + targets[i];
        }
        NDArray index = local(local(step.create(flat)).toDevice(base.getDevice(), false));
        NDArray logProbabilities = local(local(float32(array(logits)).logSoftmax(1)).flatten());
        return local(logProbabilities.gather(index, 0));
    }

    @Override
    public double backward(Supplier<Tensor> loss, float scale) {
        if (!training) {
            throw new IllegalStateException("this backend was not made for training (DjlTensorOps.forTraining)");
        }
        RECORDING.lock();
        try (GradientCollector collector = PyTorchNatives.engine().newGradientCollector()) {
            NDArray value = array(loss.get());
            double result = value.getFloat(0, 0);
            collector.backward(local(value.mul(scalar(scale))));
            return result;
        } finally {
            endStep();
            RECORDING.unlock();
        }
    }

    @Override
    public float[] gradient(Tensor parameter) {
        NDArray p = array(parameter);
        if (!p.hasGradient()) {
            throw new IllegalArgumentException("not a trainable parameter");
        }
        try (NDArray gradient = p.getGradient()) {
            return gradient.toType(DataType.FLOAT32, false).toFloatArray();
        }
    }

    @Override
    public void loraDropout(double p, long seed) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("LoRA dropout must be in [0, 1), got " + p);
        }
        if (p > 0 && !training) {
            throw new IllegalStateException("dropout is a training operation (DjlTensorOps.forTraining)");
        }
        dropout = p;
        dropoutMasks = new SplittableRandom(seed);
    }

    @Override
    public float[] toFloats(Tensor x) {
        return float32(array(x)).toFloatArray();
    }

    @Override
    public void endStep() {
        step.close();
        step = base.newSubManager();
    }

    /** Arrays alive on this backend (weights, caches, the current step's temporaries), counted for the leak tests. */
    int liveArrays() {
        return base.getManagedArrays().size();
    }

    @Override
    public void close() {
        step.close();
        base.close();
    }
}
