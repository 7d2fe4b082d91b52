package dev.peftbench.engine.load;

import java.nio.ByteBuffer;

/** Element types of stored tensors, as safetensors names them. */
public enum DType {
    F32(4), F16(2), BF16(2);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    public int bytes() {
        return bytes;
    }

    /** Element {@code index} of little-endian tensor bytes as float32 (16-bit types widen exactly). */
    public float floatAt(ByteBuffer tensor, int index) {
        return switch (this) {
            case F32 -> tensor.getFloat(4 * index);
            case F16 -> Float.float16ToFloat(tensor.getShort(2 * index));
            case BF16 -> Bfloat16.toFloat(tensor.getShort(2 * index));
        };
    }

    /** Element {@code index} as bfloat16 bits: as stored for BF16, rounded to nearest even otherwise. */
    public short bfloat16At(ByteBuffer tensor, int index) {
        return this == BF16 ? tensor.getShort(2 * index) : Bfloat16.fromFloat(floatAt(tensor, index));
    }
}
