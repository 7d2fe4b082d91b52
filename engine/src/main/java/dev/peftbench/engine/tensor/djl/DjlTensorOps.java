package dev.peftbench.engine.tensor.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.Device;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.load.TensorInfo;
import dev.peftbench.engine.load.WeightSource;
import dev.peftbench.engine.tensor.AttentionSpan;
import dev.peftbench.engine.tensor.KvCache;
import dev.peftbench.engine.tensor.Tensor;
import dev.peftbench.engine.tensor.TensorOps;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * The PyTorch backend through DJL: the GPU path, float16 compute, and a cross-check of the CPU kernels.
 * Weights and caches live in a long-lived manager on the device; each forward's temporaries in a step
 * manager freed by {@link #endStep()}. Layer norm and the attention softmax run in float32, as
 * transformers does ({@code attention_softmax_in_fp32}). No bfloat16 array is ever created: DJL 0.36's
 * PyTorch engine aborts the JVM on one (platform notes), so 16-bit checkpoints are widened in Java.
 */
public final class DjlTensorOps implements TensorOps {

    private static final Logger LOG = LoggerFactory.getLogger(DjlTensorOps.class);

    private final ComputeType computeType;
    private final DataType dataType;
    private final NDManager base;
    private NDManager step;

    public DjlTensorOps(Device device, ComputeType computeType) {
        if (computeType == ComputeType.BFLOAT16) {
            throw EngineException.invalid("the djl backend computes in float32 or float16 (PyTorch through DJL cannot hold "
                    + "bfloat16 arrays); for bfloat16 use --backend cpu");
        }
        if (computeType == ComputeType.INT8) {
            throw EngineException.invalid("the djl backend computes in float32 or float16; 8-bit weights (int8) run on the "
                    + "cpu backend: use --backend cpu (or auto) with --device cpu");
        }
        ai.djl.engine.Engine engine = ai.djl.engine.Engine.getEngine("PyTorch");
        if (device == Device.GPU && engine.getGpuCount() == 0) {
            throw EngineException.invalid("no CUDA GPU is visible to PyTorch; use --device cpu");
        }
        this.computeType = computeType;
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
    public Tensor weight(WeightSource source, String name) {
        TensorInfo info = source.info(name);
        if (info.shape().length != 2) {
            throw EngineException.loadFailed("weight " + info + " should be 2-D");
        }
        return new DjlTensor(upload(source.readFloats(name), new Shape(info.shape())));
    }

    @Override
    public Tensor vector(WeightSource source, String name) {
        float[] values = source.readFloats(name);
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
        NDArray b = local(float32(array(beta)).reshape(cols));
        NDArray out = local(LayerNorm.layerNorm(float32(array(x)), new Shape(cols), g, b, eps).singletonOrThrow());
        return new DjlTensor(local(out.toType(dataType, false)));
    }

    @Override
    public Tensor linear(Tensor x, Tensor w, Tensor bias) {
        NDArray b = bias == null ? null : local(array(bias).reshape(bias.cols()));
        NDList out = b == null ? Linear.linear(array(x), array(w)) : Linear.linear(array(x), array(w), b);
        return new DjlTensor(local(out.singletonOrThrow()));
    }

    @Override
    public void addLowRank(Tensor y, Tensor x, int rowStart, int rowCount, Tensor loraA, Tensor loraB, float scale) {
        NDIndex rows = new NDIndex("{}:{}", rowStart, rowStart + rowCount);
        NDArray slice = local(array(x).get(rows));
        NDArray down = local(Linear.linear(slice, array(loraA)).singletonOrThrow());
        NDArray up = local(Linear.linear(down, array(loraB)).singletonOrThrow()).muli(scale);
        NDArray updated = local(array(y).get(rows)).add(up);
        array(y).set(rows, local(updated));
    }

    @Override
    public void bloomGeluInPlace(Tensor x) {
        // modeling_bloom.bloom_gelu_forward: x * 0.5 * (1 + tanh(0.79788456 * x * (1 + 0.044715 * x^2)))
        NDArray v = array(x);
        NDArray inner = local(v.mul(v).muli(0.044715f).addi(1f).muli(v).muli(0.79788456f));
        v.muli(local(inner.tanh()).addi(1f).muli(0.5f));
    }

    @Override
    public void addInPlace(Tensor acc, Tensor x) {
        array(acc).addi(array(x));
    }

    @Override
    public KvCache newKvCache(int layers, int heads, int headDim, int capacity) {
        return new DjlKvCache(base, layers, heads, headDim, capacity, dataType);
    }

    @Override
    public Tensor bloomAttention(Tensor qkv, int layer, int heads, int headDim, float[] alibiSlopes,
                                 List<AttentionSpan> spans) {
        NDList contexts = new NDList();
        float invNorm = (float) (1.0 / Math.sqrt(headDim));
        for (AttentionSpan span : spans) {
            DjlKvCache cache = (DjlKvCache) span.cache();
            int n = span.rowCount();
            int past = cache.length();
            int total = past + n;
            // [n, heads·3·headDim] -> [n, heads, 3, headDim]: each head holds [q | k | v] blocks.
            NDArray fused = local(array(qkv).get(new NDIndex("{}:{}", span.rowStart(), span.rowStart() + n))
                    .reshape(n, heads, 3, headDim));
            NDArray q = local(local(fused.get(new NDIndex(":, :, 0, :"))).transpose(1, 0, 2));
            NDArray k = local(local(fused.get(new NDIndex(":, :, 1, :"))).transpose(1, 0, 2));
            NDArray v = local(local(fused.get(new NDIndex(":, :, 2, :"))).transpose(1, 0, 2));
            cache.keys.set(new NDIndex("{}, :, {}:{}, :", layer, past, total), k);
            cache.values.set(new NDIndex("{}, :, {}:{}, :", layer, past, total), v);
            NDArray keys = local(cache.keys.get(new NDIndex("{}, :, 0:{}, :", layer, total)));
            NDArray values = local(cache.values.get(new NDIndex("{}, :, 0:{}, :", layer, total)));
            NDArray scores = local(local(q.matMul(local(keys.transpose(0, 2, 1)))).toType(DataType.FLOAT32, false)).muli(invNorm);
            scores.addi(biasAndMask(alibiSlopes, heads, n, past, total));
            NDArray probs = local(local(scores.softmax(2)).toType(dataType, false));
            NDArray context = local(local(probs.matMul(values)).transpose(1, 0, 2)).reshape(n, (long) heads * headDim);
            contexts.add(local(context));
        }
        return new DjlTensor(contexts.size() == 1 ? contexts.singletonOrThrow() : local(NDArrays.concat(contexts, 0)));
    }

    /** ALiBi {@code slope[h] · keyPosition} plus the causal mask (a large negative for keys after the query). */
    private NDArray biasAndMask(float[] slopes, int heads, int n, int past, int total) {
        float[] values = new float[heads * n * total];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < n; i++) {
                int base = (h * n + i) * total;
                for (int j = 0; j < total; j++) {
                    values[base + j] = j <= past + i ? slopes[h] * j : -Float.MAX_VALUE;
                }
            }
        }
        return step.create(values, new Shape(heads, n, total)).toDevice(base.getDevice(), false);
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
