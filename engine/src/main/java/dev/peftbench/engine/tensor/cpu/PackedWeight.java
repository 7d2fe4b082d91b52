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

    /**
     * 8-bit panels in llama.cpp's q8_0 blocks: each row's values, {@link #BLOCK} at a time along the input,
     * share one float32 scale {@code d = max|x| / 127} and are stored as {@code round(x / d)} (ggml's
     * quantize_row_q8_0: symmetric, round half away from zero), so a weight is {@code d · q}. Within a
     * panel, block {@code b} is two runs of {@link #BLOCK} steps, one per half of the panel's rows
     * ({@code PANEL/2} bytes a step, one vector once widened): a kernel reads each run contiguously,
     * sums {@code q · x} in float32 over the block and applies the half's scales once per block.
     * Columns are padded with zeros to whole blocks. {@code scales[(p · blocks + b) · PANEL + j]} is
     * the scale of panel row {@code j}.
     */
    record Int8(byte[] data, float[] scales, int rows, int cols) implements PackedWeight {

        /** Values per scale: q8_0's block. */
        static final int BLOCK = 32;
        /** Rows per half panel: the lanes of one float vector. */
        static final int HALF = PANEL / 2;

        public Int8 {
            if ((long) panelsFor(rows) * PANEL * blocksFor(cols) * BLOCK != data.length
                    || (long) panelsFor(rows) * PANEL * blocksFor(cols) != scales.length) {
                throw new IllegalArgumentException("packed shape [" + rows + ", " + cols + "] does not match "
                        + data.length + " values and " + scales.length + " scales");
            }
        }

        static int blocksFor(int cols) {
            return (cols + BLOCK - 1) / BLOCK;
        }

        /** Quantizes a stored row-major tensor of any type straight from its (mapped) bytes. */
        static Int8 pack(ByteBuffer stored, DType dtype, int rows, int cols) {
            Int8 w = empty(rows, cols);
            w.quantize(stored, dtype, 0, rows);
            return w;
        }

        /** As {@link #pack}, the panels shared out between {@code pool}'s threads (quantizing costs more than copying). */
        static Int8 pack(ByteBuffer stored, DType dtype, int rows, int cols, WorkerPool pool) {
            Int8 w = empty(rows, cols);
            pool.forRange(w.panels(), 1, true, (p0, p1) -> w.quantize(stored, dtype, p0 * PANEL, Math.min(rows, p1 * PANEL)));
            return w;
        }

        private static Int8 empty(int rows, int cols) {
            int blocks = blocksFor(cols);
            return new Int8(new byte[Math.multiplyExact(panelsFor(rows) * PANEL, blocks * BLOCK)],
                    new float[panelsFor(rows) * PANEL * blocks], rows, cols);
        }

        /** Quantizes stored rows {@code [r0, r1)} into this weight's blocks, a row at a time. */
        private void quantize(ByteBuffer stored, DType dtype, int r0, int r1) {
            int blocks = blocks();
            float[] row = new float[cols];
            short[] bits = new short[cols];
            for (int r = r0; r < r1; r++) {
                dtype.floatsAt(stored, r * cols, row, bits, cols);
                for (int b = 0; b < blocks; b++) {
                    int from = b * BLOCK;
                    int to = Math.min(cols, from + BLOCK);
                    float max = 0;
                    for (int i = from; i < to; i++) {
                        max = Math.max(max, Math.abs(row[i]));
                    }
                    float d = max / 127;
                    float inverse = d != 0 ? 1 / d : 0;
                    int at = stepIndex(r, b, 0, blocks);
                    for (int i = from; i < to; i++, at += HALF) {
                        data[at] = (byte) roundHalfAway(row[i] * inverse);
                    }
                    scales[scaleIndex(r, b, blocks)] = d;
                }
            }
        }

        /**
         * C's roundf, as ggml rounds: halves away from zero (Math.round would take -2.5 to -2). The fraction
         * {@code v - (int) v} and its double are exact in float, and truncating the double gives -1, 0 or 1: no
         * branch to mispredict, and no sum that rounds a value just below a half up.
         */
        private static int roundHalfAway(float v) {
            int whole = (int) v;
            return whole + (int) (2 * (v - whole));
        }

        /** Where row {@code r}'s value at step {@code k} of block {@code b} lies; step {@code k + 1} follows {@link #HALF} bytes on. */
        private static int stepIndex(int r, int b, int k, int blocks) {
            int p = r / PANEL;
            int j = r % PANEL;
            return (((p * blocks + b) * 2 + j / HALF) * BLOCK + k) * HALF + j % HALF;
        }

        private static int scaleIndex(int r, int b, int blocks) {
            return ((r / PANEL) * blocks + b) * PANEL + r % PANEL;
        }

        int blocks() {
            return blocksFor(cols);
        }

        @Override
        public int panels() {
            return panelsFor(rows);
        }

        /** The dequantized row: {@code d · q} for each value. */
        @Override
        public void copyRow(int row, float[] dst, int offset) {
            int blocks = blocks();
            for (int b = 0; b < blocks; b++) {
                float d = scales[scaleIndex(row, b, blocks)];
                int at = stepIndex(row, b, 0, blocks);
                for (int i = 0, n = Math.min(BLOCK, cols - b * BLOCK); i < n; i++) {
                    dst[offset + b * BLOCK + i] = d * data[at + i * HALF];
                }
            }
        }
    }
}
