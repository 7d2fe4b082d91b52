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

    /**
     * Elements {@code [index, index + n)} as float32 into {@code dst[0..n)}: one bulk copy (for 16-bit types into
     * {@code bits}, then widened exactly), several times faster than element reads from a mapped file.
     */
    public void floatsAt(ByteBuffer tensor, int index, float[] dst, short[] bits, int n) {
        switch (this) {
            case F32 -> tensor.asFloatBuffer().get(index, dst, 0, n);
            case F16 -> {
                tensor.asShortBuffer().get(index, bits, 0, n);
                for (int i = 0; i < n; i++) {
                    dst[i] = Float.float16ToFloat(bits[i]);
                }
            }
            case BF16 -> {
                tensor.asShortBuffer().get(index, bits, 0, n);
                for (int i = 0; i < n; i++) {
                    dst[i] = Bfloat16.toFloat(bits[i]);
                }
            }
        }
    }

    /** Element {@code index} as bfloat16 bits: as stored for BF16, rounded to nearest even otherwise. */
    public short bfloat16At(ByteBuffer tensor, int index) {
        return this == BF16 ? tensor.getShort(2 * index) : Bfloat16.fromFloat(floatAt(tensor, index));
    }
}
