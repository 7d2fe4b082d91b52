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

    /** Bytes held: what a product over every panel reads. */
    long bytes();

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
        public long bytes() {
            return 4L * data.length;
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
        static int lane(int j) {
            return j < PANEL / 2 ? 2 * j : 2 * (j - PANEL / 2) + 1;
        }

        @Override
        public int panels() {
            return panelsFor(rows);
        }

        @Override
        public long bytes() {
            return 2L * data.length;
        }

        @Override
        public void copyRow(int row, float[] dst, int offset) {
            int base = (row / PANEL) * PANEL * cols + lane(row % PANEL);
            for (int k = 0; k < cols; k++) {
                dst[offset + k] = Bfloat16.toFloat(data[base + k * PANEL]);
            }
        }
    }

    /** Inputs per block of an 8- or 4-bit weight: each row's values in a block share one scale (ggml's QK8_0, QK4_0). */
    int BLOCK = 32;
    /** Bytes of a block's scales: one float16 per panel row. */
    int SCALE_BYTES = 2 * PANEL;

    static int blocksFor(int cols) {
        return (cols + BLOCK - 1) / BLOCK;
    }

    /**
     * 8-bit panels in llama.cpp's q8_0 blocks: each row's values, {@link #BLOCK} at a time along the input, share
     * one scale {@code d = max|x| / 127}, stored as float16, and are stored as {@code round(x / d)} (ggml's
     * quantize_row_q8_0: the quotient taken with the float32 {@code d}, halves rounded away from zero), so a weight is
     * {@code float16(d) · q}: 34 bytes per 32 values, as ggml's. One array holds a chunk per (panel, block): the
     * panel rows' float16 scales (little-endian), then {@link #BLOCK} steps of {@link #PANEL} bytes (row {@code j}'s
     * value at byte {@code j}). A kernel streams the array front to back with the scales beside the values they scale:
     * with the scales in an array of their own, the one-row kernel moved 14-15 instead of 15-22 GB/s from memory on one
     * core of the Zen 4 EPYC (hardware prefetch follows one stream better than two). Columns are padded with zeros to
     * whole blocks.
     */
    record Int8(byte[] data, int rows, int cols) implements PackedWeight {

        /** Bytes of a (panel, block) chunk: scales, then one byte per value. */
        static final int CHUNK = SCALE_BYTES + BLOCK * PANEL;

        public Int8 {
            if ((long) panelsFor(rows) * blocksFor(cols) * CHUNK != data.length) {
                throw new IllegalArgumentException("packed shape [" + rows + ", " + cols + "] does not match " + data.length + " bytes");
            }
        }

        /** Quantizes a stored row-major tensor of any type straight from its (mapped) bytes. */
        static Int8 pack(ByteBuffer stored, DType dtype, int rows, int cols) {
            Int8 w = new Int8(new byte[Math.multiplyExact(panelsFor(rows) * blocksFor(cols), CHUNK)], rows, cols);
            w.quantize(stored, dtype, 0, rows);
            return w;
        }

        /** As {@link #pack}, the panels shared out between {@code pool}'s threads (quantizing costs more than copying). */
        static Int8 pack(ByteBuffer stored, DType dtype, int rows, int cols, WorkerPool pool) {
            Int8 w = new Int8(new byte[Math.multiplyExact(panelsFor(rows) * blocksFor(cols), CHUNK)], rows, cols);
            pool.forRange(w.panels(), 1, true, (p0, p1) -> w.quantize(stored, dtype, p0 * PANEL, Math.min(rows, p1 * PANEL)));
            return w;
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
                    int chunk = chunk(r / PANEL, b, blocks);
                    int j = r % PANEL;
                    putScale(data, chunk, j, d);
                    for (int i = from, at = chunk + SCALE_BYTES + j; i < to; i++, at += PANEL) {
                        data[at] = (byte) roundHalfAway(row[i] * inverse);
                    }
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

        static int chunk(int p, int b, int blocks) {
            return (p * blocks + b) * CHUNK;
        }

        int blocks() {
            return blocksFor(cols);
        }

        @Override
        public int panels() {
            return panelsFor(rows);
        }

        @Override
        public long bytes() {
            return data.length;
        }

        /** The dequantized row: {@code d · q} for each value. */
        @Override
        public void copyRow(int row, float[] dst, int offset) {
            int blocks = blocks();
            int j = row % PANEL;
            for (int b = 0; b < blocks; b++) {
                int chunk = chunk(row / PANEL, b, blocks);
                float d = scale(data, chunk, j);
                for (int i = 0, n = Math.min(BLOCK, cols - b * BLOCK); i < n; i++) {
                    dst[offset + b * BLOCK + i] = d * data[chunk + SCALE_BYTES + i * PANEL + j];
                }
            }
        }
    }

    /**
     * 4-bit panels in llama.cpp's q4_0 blocks: per row and {@link #BLOCK} inputs, the value {@code m} of largest
     * magnitude gives the scale {@code d = m / -8} (stored as float16) and each value {@code x} is stored as
     * {@code n = min(15, trunc(x / d + 8.5))}, so a weight is {@code float16(d) · (n - 8)} (ggml's
     * quantize_row_q4_0: 18 bytes per 32 values). One array holds a chunk per (panel, block): the panel rows' float16
     * scales, then {@code BLOCK / 2} steps of {@link #PANEL} bytes; row {@code j}'s byte of step {@code k} holds its
     * value {@code k} in the low four bits and value {@code k + 16} in the high four bits, as a q4_0 block pairs them.
     * Within a step, rows {@code j} and {@code j + PANEL/2} are side by side (as {@link Bf16} pairs them), so a step
     * widened to 16-bit lanes and read as 32-bit lanes holds both halves of the panel: the kernels separate them with
     * shifts, never a cross-lane shuffle. Columns are padded to whole blocks with {@code n = 8} (zero).
     */
    record Q4(byte[] data, int rows, int cols) implements PackedWeight {

        /** Bytes of a (panel, block) chunk: scales, then half a byte per value. */
        static final int CHUNK = SCALE_BYTES + BLOCK / 2 * PANEL;

        public Q4 {
            if ((long) panelsFor(rows) * blocksFor(cols) * CHUNK != data.length) {
                throw new IllegalArgumentException("packed shape [" + rows + ", " + cols + "] does not match " + data.length + " bytes");
            }
        }

        static Q4 pack(ByteBuffer stored, DType dtype, int rows, int cols) {
            Q4 w = empty(rows, cols);
            w.quantize(stored, dtype, 0, rows);
            return w;
        }

        /** As {@link #pack}, the panels shared out between {@code pool}'s threads. */
        static Q4 pack(ByteBuffer stored, DType dtype, int rows, int cols, WorkerPool pool) {
            Q4 w = empty(rows, cols);
            pool.forRange(w.panels(), 1, true, (p0, p1) -> w.quantize(stored, dtype, p0 * PANEL, Math.min(rows, p1 * PANEL)));
            return w;
        }

        private static Q4 empty(int rows, int cols) {
            byte[] data = new byte[Math.multiplyExact(panelsFor(rows) * blocksFor(cols), CHUNK)];
            // Every value 8 (zero) until quantized: padding rows and columns then add nothing.
            java.util.Arrays.fill(data, (byte) 0x88);
            return new Q4(data, rows, cols);
        }

        private void quantize(ByteBuffer stored, DType dtype, int r0, int r1) {
            int blocks = blocks();
            float[] row = new float[blocks * BLOCK];
            short[] bits = new short[cols];
            for (int r = r0; r < r1; r++) {
                dtype.floatsAt(stored, r * cols, row, bits, cols);
                for (int b = 0; b < blocks; b++) {
                    int from = b * BLOCK;
                    float max = 0;
                    float magnitude = 0;
                    for (int i = from; i < from + BLOCK; i++) {
                        if (magnitude < Math.abs(row[i])) {
                            magnitude = Math.abs(row[i]);
                            max = row[i];
                        }
                    }
                    float d = max / -8;
                    float inverse = d != 0 ? 1 / d : 0;
                    int chunk = chunk(r / PANEL, b, blocks);
                    putScale(data, chunk, r % PANEL, d);
                    // Only the real columns: padding (zeros in row) stays 0x88 rather than a quantized 0.
                    int real = Math.min(BLOCK, cols - from);
                    for (int k = 0; k < BLOCK / 2; k++) {
                        int at = chunk + SCALE_BYTES + k * PANEL + Bf16.lane(r % PANEL);
                        int low = k < real ? level(row[from + k] * inverse) : 8;
                        int high = k + BLOCK / 2 < real ? level(row[from + k + BLOCK / 2] * inverse) : 8;
                        data[at] = (byte) (low | high << 4);
                    }
                }
            }
        }

        /** ggml's {@code MIN(15, (int8_t)(x + 8.5f))}: x is within [-8, 8], so the truncation is a floor. */
        private static int level(float x) {
            return Math.min(15, (int) (x + 8.5f));
        }

        static int chunk(int p, int b, int blocks) {
            return (p * blocks + b) * CHUNK;
        }

        int blocks() {
            return blocksFor(cols);
        }

        @Override
        public int panels() {
            return panelsFor(rows);
        }

        @Override
        public long bytes() {
            return data.length;
        }

        /** The dequantized row: {@code d · (n - 8)} for each value. */
        @Override
        public void copyRow(int row, float[] dst, int offset) {
            int blocks = blocks();
            int j = row % PANEL;
            for (int b = 0; b < blocks; b++) {
                int chunk = chunk(row / PANEL, b, blocks);
                float d = scale(data, chunk, j);
                for (int i = 0, n = Math.min(BLOCK, cols - b * BLOCK); i < n; i++) {
                    int packed = data[chunk + SCALE_BYTES + (i % (BLOCK / 2)) * PANEL + Bf16.lane(j)];
                    int level = i < BLOCK / 2 ? packed & 0xF : (packed >> 4) & 0xF;
                    dst[offset + b * BLOCK + i] = d * (level - 8);
                }
            }
        }
    }

    /** Row {@code j}'s scale in the chunk at {@code chunk}, rounded to float16 (ggml's GGML_FP32_TO_FP16: nearest even). */
    private static void putScale(byte[] data, int chunk, int j, float d) {
        short h = Float.floatToFloat16(d);
        data[chunk + 2 * j] = (byte) h;
        data[chunk + 2 * j + 1] = (byte) (h >> 8);
    }

    /** Row {@code j}'s scale in the chunk at {@code chunk}. */
    static float scale(byte[] data, int chunk, int j) {
        return Float.float16ToFloat((short) ((data[chunk + 2 * j] & 0xFF) | data[chunk + 2 * j + 1] << 8));
    }
}
