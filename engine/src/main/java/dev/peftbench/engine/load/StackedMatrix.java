package dev.peftbench.engine.load;

import dev.peftbench.engine.EngineException;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * 2-D tensors of a checkpoint stacked row-wise into one matrix, as stored bytes: the weight of a fused
 * projection (q_proj, k_proj and v_proj as one product; gate_proj and up_proj as another). One tensor is
 * its own stored bytes, not copied (a memory mapping for safetensors); several are copied into one
 * buffer of their common type, or float32 when their types differ.
 *
 * @param bytes row-major, little-endian, {@code rows · cols} values of {@code dtype}
 */
public record StackedMatrix(DType dtype, ByteBuffer bytes, int rows, int cols) {

    public static StackedMatrix of(WeightSource source, List<String> names) {
        if (names.isEmpty()) {
            throw new IllegalArgumentException("no tensors to stack");
        }
        long rows = 0;
        long cols = -1;
        DType common = null;
        for (String name : names) {
            TensorInfo info = source.info(name);
            if (info.shape().length != 2) {
                throw EngineException.loadFailed("weight " + info + " should be 2-D");
            }
            if (cols >= 0 && info.shape()[1] != cols) {
                throw EngineException.loadFailed("weight " + info + " has " + info.shape()[1] + " input features but "
                        + names.getFirst() + " has " + cols + ": they cannot form one projection");
            }
            cols = info.shape()[1];
            rows += info.shape()[0];
            common = common == null || common == info.dtype() ? info.dtype() : DType.F32;
        }
        int r = Math.toIntExact(rows);
        int c = Math.toIntExact(cols);
        if (names.size() == 1) {
            return new StackedMatrix(common, source.bytes(names.getFirst()), r, c);
        }
        ByteBuffer out = ByteBuffer.allocate(Math.multiplyExact(Math.multiplyExact(r, c), common.bytes()))
                .order(ByteOrder.LITTLE_ENDIAN);
        for (String name : names) {
            TensorInfo info = source.info(name);
            ByteBuffer stored = source.bytes(name);
            int count = Math.toIntExact(info.elementCount());
            if (info.dtype() == common) {
                out.put(stored.duplicate().order(ByteOrder.LITTLE_ENDIAN).position(0).limit(count * common.bytes()));
            } else {
                for (int i = 0; i < count; i++) {
                    out.putFloat(info.dtype().floatAt(stored, i));
                }
            }
        }
        return new StackedMatrix(common, out.flip(), r, c);
    }

    /** All values widened to float32, row-major. */
    public float[] floats() {
        float[] out = new float[Math.multiplyExact(rows, cols)];
        for (int i = 0; i < out.length; i++) {
            out[i] = dtype.floatAt(bytes, i);
        }
        return out;
    }
}
