package dev.peftbench.engine.tensor.cpu;

import jdk.incubator.vector.ByteVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

import static dev.peftbench.engine.tensor.cpu.PackedWeight.PANEL;

/**
 * Reading the byte panels of 8- and 4-bit weights at any vector width: a panel step is {@link PackedWeight#PANEL}
 * bytes, one per row, and each half of it ({@code L} rows, one float vector once widened) is read on its own where
 * a byte vector of {@code L} lanes exists (256- and 512-bit vectors). On 128-bit machines (SSE, NEON: four floats)
 * the smallest byte vector, 64 bits, is the whole step, and each half is one part of its conversion. Species follow
 * the preferred float species; no size is fixed. Also the float16 scales that open each block's chunk.
 */
final class PanelBytes {

    private static final VectorSpecies<Float> F = LinearKernels.F;
    private static final int L = F.length();
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    /** Whether a half step is a vector of its own. */
    private static final boolean HALF_LOADS = L * Byte.SIZE >= 64;
    private static final VectorSpecies<Byte> LOAD = VectorSpecies.of(byte.class,
            VectorShape.forBitSize((HALF_LOADS ? L : PANEL) * Byte.SIZE));
    /** {@code L} float16 values: 16·L bits, a vector at every width of 128 bits or more. */
    private static final VectorSpecies<Byte> HALVES = VectorSpecies.of(byte.class, VectorShape.forBitSize(2 * L * Byte.SIZE));

    static {
        if (L < 4) {
            throw new IllegalStateException("the cpu kernels need float vectors of at least 128 bits; this JVM's are "
                    + F.vectorBitSize() + " bits (-XX:MaxVectorSize?)");
        }
    }

    private PanelBytes() {
    }

    /** Half {@code h} (0 or 1) of the step at {@code at}: signed bytes as float32. */
    static FloatVector signed(byte[] q, int at, int h) {
        return HALF_LOADS
                ? (FloatVector) ByteVector.fromArray(LOAD, q, at + h * L).convertShape(VectorOperators.B2F, F, 0)
                : (FloatVector) ByteVector.fromArray(LOAD, q, at).convertShape(VectorOperators.B2F, F, h);
    }

    /**
     * {@code L} little-endian float16 values at {@code at}, exactly, as float32: the sign-extended bits shifted into
     * a float's exponent and mantissa fields (the extension's copies of the sign cleared) are the value times
     * {@code 2^-112}, normal, subnormal or zero alike; one multiplication restores it: four instructions per {@code L}
     * scales, once per block of 32 inputs.
     */
    static FloatVector float16s(byte[] q, int at) {
        IntVector bits = (IntVector) ByteVector.fromArray(HALVES, q, at).reinterpretAsShorts()
                .convertShape(VectorOperators.S2I, I, 0);
        return bits.lanewise(VectorOperators.LSHL, 13).and(0x8FFFFFFF).reinterpretAsFloats().mul(0x1p112f);
    }
}
