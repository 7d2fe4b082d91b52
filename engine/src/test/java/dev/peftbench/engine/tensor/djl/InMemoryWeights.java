package dev.peftbench.engine.tensor.djl;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.load.Bfloat16;
import dev.peftbench.engine.load.DType;
import dev.peftbench.engine.load.TensorInfo;
import dev.peftbench.engine.load.WeightSource;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Named random tensors in Java arrays, so both backends load exactly the same numbers. Tensors may
 * be declared as stored in a 16-bit type to check that a backend widens them through
 * {@link #readFloats}; {@link #readShorts} is refused, since the DJL backend must never need it.
 */
final class InMemoryWeights implements WeightSource {

    private record Entry(TensorInfo info, float[] values) {
    }

    private final Map<String, Entry> tensors = new LinkedHashMap<>();
    private final Random random;

    InMemoryWeights(long seed) {
        this.random = new Random(seed);
    }

    /** A {@code [rows, cols]} tensor of values in {@code offset ± scale}. */
    InMemoryWeights random(String name, int rows, int cols, float offset, float scale) {
        float[] values = new float[rows * cols];
        for (int i = 0; i < values.length; i++) {
            values[i] = offset + scale * (2 * random.nextFloat() - 1);
        }
        return put(name, DType.F32, new long[] {rows, cols}, values);
    }

    /** A 1-D tensor of values in {@code offset ± scale}. */
    InMemoryWeights randomVector(String name, int n, float offset, float scale) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = offset + scale * (2 * random.nextFloat() - 1);
        }
        return put(name, DType.F32, new long[] {n}, values);
    }

    InMemoryWeights put(String name, DType stored, long[] shape, float[] values) {
        tensors.put(name, new Entry(new TensorInfo(name, stored, shape), values));
        return this;
    }

    float[] values(String name) {
        return entry(name).values().clone();
    }

    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    @Override
    public TensorInfo info(String name) {
        return entry(name).info();
    }

    @Override
    public float[] readFloats(String name) {
        return values(name);
    }

    /** The values encoded in their declared stored type, as a checkpoint file holds them. */
    @Override
    public ByteBuffer bytes(String name) {
        Entry e = entry(name);
        DType stored = e.info().dtype();
        ByteBuffer b = ByteBuffer.allocate(e.values().length * stored.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : e.values()) {
            switch (stored) {
                case F32 -> b.putFloat(v);
                case F16 -> b.putShort(Float.floatToFloat16(v));
                case BF16 -> b.putShort(Bfloat16.fromFloat(v));
            }
        }
        return b.flip();
    }

    @Override
    public short[] readShorts(String name) {
        throw new UnsupportedOperationException("raw 16-bit values of " + name + " were asked for");
    }

    @Override
    public void close() {
    }

    private Entry entry(String name) {
        Entry e = tensors.get(name);
        if (e == null) {
            throw EngineException.loadFailed("no tensor " + name + " in memory");
        }
        return e;
    }
}
