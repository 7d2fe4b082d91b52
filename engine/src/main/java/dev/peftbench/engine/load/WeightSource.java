package dev.peftbench.engine.load;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Set;

/**
 * Named tensors from a checkpoint: one safetensors file, a sharded set with its index, or a legacy
 * torch {@code .bin} (zip + pickle, read without executing anything). Names are as stored.
 */
public interface WeightSource extends AutoCloseable {

    Set<String> names();

    /** @throws dev.peftbench.engine.EngineException LOAD_FAILED naming the missing tensor and the file */
    TensorInfo info(String name);

    /**
     * The tensor's stored bytes, row-major, little-endian, read-only: a memory mapping where the file
     * allows one, so a backend can repack a large matrix without first copying all of it.
     */
    ByteBuffer bytes(String name);

    /** The tensor as float32 values, row-major (16-bit types widened exactly). */
    default float[] readFloats(String name) {
        TensorInfo info = info(name);
        DType dtype = info.dtype();
        ByteBuffer bytes = bytes(name);
        float[] out = new float[Math.toIntExact(info.elementCount())];
        if (dtype == DType.F32) {
            bytes.asFloatBuffer().get(out);
        } else {
            for (int i = 0; i < out.length; i++) {
                out[i] = dtype.floatAt(bytes, i);
            }
        }
        return out;
    }

    /** The raw 16-bit values of an F16 or BF16 tensor, row-major, without widening. */
    default short[] readShorts(String name) {
        TensorInfo info = info(name);
        if (info.dtype().bytes() != 2) {
            throw new IllegalArgumentException(name + " is " + info.dtype() + ", not a 16-bit tensor");
        }
        short[] out = new short[Math.toIntExact(info.elementCount())];
        bytes(name).asShortBuffer().get(out);
        return out;
    }

    @Override
    void close();

    /**
     * Opens the weights in a model or adapter folder: {@code model.safetensors},
     * {@code model.safetensors.index.json} (+ shards), {@code pytorch_model.bin}, or the adapter
     * equivalents {@code adapter_model.safetensors} / {@code adapter_model.bin}.
     */
    static WeightSource open(Path dir) {
        return WeightFiles.open(dir);
    }
}
