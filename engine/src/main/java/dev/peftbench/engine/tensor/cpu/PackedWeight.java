package dev.peftbench.engine.tensor.cpu;

import dev.peftbench.engine.load.Bfloat16;
import dev.peftbench.engine.load.DType;
import dev.peftbench.engine.tensor.Tensor;
import jdk.incubator.vector.FloatVector;

import java.nio.ByteBuffer;

/**
 * A weight {@code [rows, cols]} (out x in features) repacked at load into column panels, the layout of a
 * packed GEMM operand (GotoBLAS/BLIS): for each block of {@link #PANEL} output rows, {@code cols} steps
 * of {@code PANEL} values, one per output row. A product then reads each panel as one contiguous stream
 * and does one outer-product step per input feature (a weight vector times a broadcast input value),
 * with no horizontal sums. Against row-major dot-product tiles, `./peftbench bench` at 8 streams went
 * from 54 to 90-116 aggregate tokens/s on the 2-core machine. The last panel is padded with zeros.
 */
sealed interface PackedWeight extends Tensor {

    /** Output rows per panel: two float vectors of the machine's preferred width (32 with AVX-512). */
    int PANEL = 2 * FloatVector.SPECIES_PREFERRED.length();

    int panels();

    /** Writes row {@code row} (one embedding, say) as float32 into {@code dst[offset..offset+cols)}. */
    void copyRow(int row, float[] dst, int offset);

    static int panelsFor(int rows) {
        return (rows + PANEL - 1) / PANEL;
    }

    /**
     * float32 panels: step {@code k} of panel {@code p} holds rows {@code 32p..32p+31} in order, so
     * one step is two float vectors.
     */
    record F32(float[] data, int rows, int cols) implements PackedWeight {
        public F32 {
            if ((long) panelsFor(rows) * PANEL * cols != data.length) {
                throw new IllegalArgumentException("packed shape [" + rows + ", " + cols + "] does not match " + data.length + " values");
            }
        }

        /** Packs a stored row-major tensor straight from its (mapped) bytes: no row-major copy in between. */
        static F32 pack(ByteBuffer stored, DType dtype, int rows, int cols) {
            float[] packed = new float[Math.multiplyExact(panelsFor(rows) * PANEL, cols)];
            for (int r = 0; r < rows; r++) {
                int base = (r / PANEL) * PANEL * cols + r % PANEL;
                for (int k = 0; k < cols; k++) {
                    packed[base + k * PANEL] = dtype.floatAt(stored, r * cols + k);
                }
            }
            return new F32(packed, rows, cols);
        }

        @Override
        public int panels() {
            return panelsFor(rows);
        }

        @Override
        public void copyRow(int row, float[] dst, int offset) {
            int base = (row / PANEL) * PANEL * cols + row % PANEL;
            for (int k = 0; k < cols; k++) {
                dst[offset + k] = data[base + k * PANEL];
            }
        }
    }

    /**
     * bfloat16 panels as raw 16-bit values. Step {@code k} pairs row {@code j} with row {@code j + PANEL/2}
     * in one 32-bit lane (low and high half), so one vector load yields both float vectors with a shift
     * and a mask: {@code bits << 16} and {@code bits & 0xFFFF0000} are the float32 values.
     */
    record Bf16(short[] data, int rows, int cols) implements PackedWeight {
        public Bf16 {
            if ((long) panelsFor(rows) * PANEL * cols != data.length) {
                throw new IllegalArgumentException("packed shape [" + rows + ", " + cols + "] does not match " + data.length + " values");
            }
        }

        /** Packs bfloat16 bits as stored, or other types rounded once to nearest even. */
        static Bf16 pack(ByteBuffer stored, DType dtype, int rows, int cols) {
            short[] packed = new short[Math.multiplyExact(panelsFor(rows) * PANEL, cols)];
            for (int r = 0; r < rows; r++) {
                int base = (r / PANEL) * PANEL * cols + lane(r % PANEL);
                for (int k = 0; k < cols; k++) {
                    packed[base + k * PANEL] = dtype.bfloat16At(stored, r * cols + k);
                }
            }
            return new Bf16(packed, rows, cols);
        }

        /** Position of panel row {@code j} within a step: the first half of the rows in the low halves. */
        private static int lane(int j) {
            return j < PANEL / 2 ? 2 * j : 2 * (j - PANEL / 2) + 1;
        }

        @Override
        public int panels() {
            return panelsFor(rows);
        }

        @Override
        public void copyRow(int row, float[] dst, int offset) {
            int base = (row / PANEL) * PANEL * cols + lane(row % PANEL);
            for (int k = 0; k < cols; k++) {
                dst[offset + k] = Bfloat16.toFloat(data[base + k * PANEL]);
            }
        }
    }
}
