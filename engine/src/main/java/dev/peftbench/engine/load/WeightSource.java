package dev.peftbench.engine.load;

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

    /** The tensor as float32 values, row-major (16-bit types widened exactly). */
    float[] readFloats(String name);

    /**
     * The raw 16-bit values of an F16 or BF16 tensor, row-major, without widening (the CPU backend
     * computes on bfloat16 weights directly).
     */
    short[] readShorts(String name);

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
