package dev.peftbench.engine.load;

/** The bfloat16 number format: the top 16 bits of a float32. */
public final class Bfloat16 {

    private Bfloat16() {
    }

    /** Exact widening. */
    public static float toFloat(short bits) {
        return Float.intBitsToFloat(bits << 16);
    }

    /** Round to nearest even, as torch's float32 -> bfloat16 cast (NaN stays a quiet NaN). */
    public static short fromFloat(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        return (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
    }
}
