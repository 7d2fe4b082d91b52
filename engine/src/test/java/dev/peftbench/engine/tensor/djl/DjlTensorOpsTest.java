package dev.peftbench.engine.tensor.djl;

import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.Device;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.load.Bfloat16;
import dev.peftbench.engine.load.DType;
import dev.peftbench.engine.tensor.AttentionSpan;
import dev.peftbench.engine.tensor.KvCache;
import dev.peftbench.engine.tensor.PositionScheme;
import dev.peftbench.engine.tensor.QkvLayout;
import dev.peftbench.engine.tensor.Tensor;
import dev.peftbench.engine.tensor.TensorOps;
import dev.peftbench.engine.tensor.cpu.CpuTensorOps;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;

import static dev.peftbench.engine.GoldenRunner.relativeL2;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every operation of the DJL backend against the CPU backend (the reference implementation of the same
 * contract) on the same random inputs: float32 within 1e-5 relative L2, float16 within the README's
 * reduced-precision bar of 3e-2. GPU cases run only where PyTorch sees a CUDA device.
 */
class DjlTensorOpsTest {

    static final double FLOAT32_BAR = 1e-5;
    static final double FLOAT16_BAR = 3e-2;

    private final CpuTensorOps cpu = new CpuTensorOps(ComputeType.FLOAT32, 1);
    private DjlTensorOps djl;

    static Stream<Arguments> backends() {
        return Stream.of(Device.CPU, Device.GPU).flatMap(d ->
                Stream.of(ComputeType.FLOAT32, ComputeType.FLOAT16).map(t -> Arguments.of(d, t)));
    }

    static int gpuCount() {
        return ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount();
    }

    /** The backend under test; GPU cases are skipped (not failed) on a machine without a CUDA device. */
    private DjlTensorOps djl(Device device, ComputeType type) {
        assumeTrue(device == Device.CPU || gpuCount() > 0, "no CUDA GPU visible to PyTorch");
        djl = new DjlTensorOps(device, type);
        return djl;
    }

    @AfterEach
    void closeBackends() {
        cpu.close();
        if (djl != null) {
            djl.close();
        }
    }

    private static double bar(ComputeType type) {
        return type == ComputeType.FLOAT16 ? FLOAT16_BAR : FLOAT32_BAR;
    }

    /** An activation {@code [rows, cols]} holding the weight source's tensor {@code name}. */
    private static Tensor activation(TensorOps ops, InMemoryWeights w, String name) {
        Tensor table = ops.weight(w, name);
        return ops.embed(table, IntStream.range(0, table.rows()).toArray());
    }

    private void assertClose(Tensor expected, Tensor actual, ComputeType type, String what) {
        float[] e = cpu.toFloats(expected);
        float[] a = djl.toFloats(actual);
        assertEquals(expected.rows(), actual.rows(), what + " rows");
        assertEquals(expected.cols(), actual.cols(), what + " cols");
        double err = relativeL2(a, e);
        assertTrue(err <= bar(type), what + ": relative L2 " + err + " > " + bar(type));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backends")
    void linearMatchesCpuWithAndWithoutBias(Device device, ComputeType type) {
        DjlTensorOps ops = djl(device, type);
        InMemoryWeights w = new InMemoryWeights(1).random("x", 5, 24, 0, 1).random("w", 12, 24, 0, 0.3f)
                .randomVector("b", 12, 0.5f, 0.5f);
        for (boolean withBias : new boolean[] {true, false}) {
            Tensor expected = cpu.linear(activation(cpu, w, "x"), cpu.weight(w, "w"), withBias ? cpu.vector(w, "b") : null);
            Tensor actual = ops.linear(activation(ops, w, "x"), ops.weight(w, "w"), withBias ? ops.vector(w, "b") : null);
            assertClose(expected, actual, type, withBias ? "linear with bias" : "linear without bias");
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backends")
    void layerNormMatchesCpu(Device device, ComputeType type) {
        DjlTensorOps ops = djl(device, type);
        // A mean far from zero: a norm that forgot to centre would fail.
        InMemoryWeights w = new InMemoryWeights(2).random("x", 7, 48, 3, 2)
                .randomVector("gamma", 48, 1, 0.5f).randomVector("beta", 48, 0, 0.5f);
        Tensor expected = cpu.layerNorm(activation(cpu, w, "x"), cpu.vector(w, "gamma"), cpu.vector(w, "beta"), 1e-5f);
        Tensor actual = ops.layerNorm(activation(ops, w, "x"), ops.vector(w, "gamma"), ops.vector(w, "beta"), 1e-5f);
        assertClose(expected, actual, type, "layerNorm");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backends")
    void geluTanhMatchesCpuInPlace(Device device, ComputeType type) {
        DjlTensorOps ops = djl(device, type);
        InMemoryWeights w = new InMemoryWeights(3).random("x", 6, 40, 0, 4);
        Tensor expected = activation(cpu, w, "x");
        cpu.geluTanhInPlace(expected);
        Tensor actual = activation(ops, w, "x");
        ops.geluTanhInPlace(actual);
        assertClose(expected, actual, type, "gelu tanh");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backends")
    void siluGateMatchesCpu(Device device, ComputeType type) {
        DjlTensorOps ops = djl(device, type);
        InMemoryWeights w = new InMemoryWeights(12).random("x", 5, 2 * 40, 0, 4);
        assertClose(cpu.siluGate(activation(cpu, w, "x")), ops.siluGate(activation(ops, w, "x")), type, "silu gate");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backends")
    void rmsNormAndLayerNormWithoutBiasMatchCpu(Device device, ComputeType type) {
        DjlTensorOps ops = djl(device, type);
        InMemoryWeights w = new InMemoryWeights(13).random("x", 7, 48, 1, 2).randomVector("gamma", 48, 1, 0.5f);
        assertClose(cpu.rmsNorm(activation(cpu, w, "x"), cpu.vector(w, "gamma"), 1e-6f),
                ops.rmsNorm(activation(ops, w, "x"), ops.vector(w, "gamma"), 1e-6f), type, "rmsNorm");
        assertClose(cpu.layerNorm(activation(cpu, w, "x"), cpu.vector(w, "gamma"), null, 1e-5f),
                ops.layerNorm(activation(ops, w, "x"), ops.vector(w, "gamma"), null, 1e-5f), type, "layerNorm without bias");
    }

    /** Qwen3's q_norm / k_norm: every query head and every key head normalised, the values left alone. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backends")
    void headRmsNormMatchesCpuInPlace(Device device, ComputeType type) {
        DjlTensorOps ops = djl(device, type);
        QkvLayout layout = QkvLayout.stacked(4, 2, 8);
        InMemoryWeights w = new InMemoryWeights(14).random("qkv", 5, layout.cols(), 0.5f, 2)
                .randomVector("q", 8, 1, 0.5f).randomVector("k", 8, 1, 0.5f);
        Tensor expected = activation(cpu, w, "qkv");
        cpu.headRmsNormInPlace(expected, layout, cpu.vector(w, "q"), cpu.vector(w, "k"), 1e-6f);
        Tensor actual = activation(ops, w, "qkv");
        ops.headRmsNormInPlace(actual, layout, ops.vector(w, "q"), ops.vector(w, "k"), 1e-6f);
        assertClose(expected, actual, type, "head rmsNorm");
        float[] before = cpu.toFloats(activation(cpu, w, "qkv"));
        float[] after = cpu.toFloats(expected);
        for (int r = 0; r < 5; r++) {
            for (int c = layout.v(0); c < layout.cols(); c++) {
                assertEquals(before[r * layout.cols() + c], after[r * layout.cols() + c], "values are not normalised");
            }
        }
    }

    /** q_proj, k_proj and v_proj stacked into one weight compute what the three products compute side by side. */
    @Test
    void stackedWeightsAreOneProductOfTheirRows() {
        DjlTensorOps ops = djl(Device.CPU, ComputeType.FLOAT32);
        InMemoryWeights w = new InMemoryWeights(15).random("x", 3, 16, 0, 1).random("q", 8, 16, 0, 0.3f)
                .random("k", 4, 16, 0, 0.3f).randomVector("qb", 8, 0, 1).randomVector("kb", 4, 0, 1);
        for (TensorOps backend : List.<TensorOps>of(cpu, ops)) {
            Tensor x = activation(backend, w, "x");
            float[] fused = backend.toFloats(backend.linear(x, backend.weight(w, List.of("q", "k")), backend.vector(w, List.of("qb", "kb"))));
            float[] q = backend.toFloats(backend.linear(x, backend.weight(w, "q"), backend.vector(w, "qb")));
            float[] k = backend.toFloats(backend.linear(x, backend.weight(w, "k"), backend.vector(w, "kb")));
            for (int r = 0; r < 3; r++) {
                for (int c = 0; c < 12; c++) {
                    float separate = c < 8 ? q[r * 8 + c] : k[r * 4 + c - 8];
                    assertEquals(separate, fused[r * 12 + c], 1e-6, backend.name() + " row " + r + " column " + c);
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backends")
    void addInPlaceMatchesCpu(Device device, ComputeType type) {
        DjlTensorOps ops = djl(device, type);
        InMemoryWeights w = new InMemoryWeights(4).random("a", 3, 32, 0, 1).random("b", 3, 32, 0, 1);
        Tensor expected = activation(cpu, w, "a");
        cpu.addInPlace(expected, activation(cpu, w, "b"));
        Tensor actual = activation(ops, w, "a");
        ops.addInPlace(actual, activation(ops, w, "b"));
        assertClose(expected, actual, type, "addInPlace");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backends")
    void addLowRankMatchesCpuAndLeavesOtherRowsAndColumnsAlone(Device device, ComputeType type) {
        DjlTensorOps ops = djl(device, type);
        InMemoryWeights w = new InMemoryWeights(5).random("y", 6, 24, 0, 1).random("x", 6, 24, 0, 1)
                .random("a", 4, 24, 0, 0.5f).random("b", 16, 4, 0, 0.5f);
        Tensor expected = activation(cpu, w, "y");
        cpu.addLowRank(expected, activation(cpu, w, "x"), 2, 3, 5, cpu.weight(w, "a"), cpu.weight(w, "b"), 0.5f);
        Tensor actual = activation(ops, w, "y");
        float[] before = ops.toFloats(actual);
        ops.addLowRank(actual, activation(ops, w, "x"), 2, 3, 5, ops.weight(w, "a"), ops.weight(w, "b"), 0.5f);
        assertClose(expected, actual, type, "addLowRank");
        float[] after = ops.toFloats(actual);
        for (int row = 0; row < 6; row++) {
            for (int c = 0; c < 24; c++) {
                boolean updated = row >= 2 && row < 5 && c >= 5 && c < 21;
                if (!updated) {
                    assertEquals(before[row * 24 + c], after[row * 24 + c], "row " + row + " column " + c + " is outside the update");
                }
            }
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backends")
    void embedConcatAndSelectRowsMatchCpu(Device device, ComputeType type) {
        DjlTensorOps ops = djl(device, type);
        InMemoryWeights w = new InMemoryWeights(6).random("table", 10, 8, 0, 1);
        Tensor expected = cpu.selectRows(cpu.concatRows(List.of(cpu.embed(cpu.weight(w, "table"), new int[] {3, 0, 9}),
                cpu.embed(cpu.weight(w, "table"), new int[] {5}))), new int[] {3, 1, 0});
        Tensor table = ops.weight(w, "table");
        Tensor actual = ops.selectRows(ops.concatRows(List.of(ops.embed(table, new int[] {3, 0, 9}),
                ops.embed(table, new int[] {5}))), new int[] {3, 1, 0});
        assertClose(expected, actual, type, "embed + concatRows + selectRows");
    }

    @Test
    void embedRefusesIdsOutsideTheTable() {
        DjlTensorOps ops = djl(Device.CPU, ComputeType.FLOAT32);
        Tensor table = ops.weight(new InMemoryWeights(7).random("table", 10, 8, 0, 1), "table");
        EngineException e = assertThrows(EngineException.class, () -> ops.embed(table, new int[] {2, 10}));
        assertEquals(EngineException.Kind.INVALID_INPUT, e.kind());
        assertTrue(e.getMessage().contains("token id 10"), e.getMessage());
    }

    /**
     * Two sequences in one batch over four steps, at both layers of the cache: prefills of 13 and 3 rows,
     * then a decode row next to a 20-row prefill (caches at 13 and 3), then rows that cross the CPU cache's
     * 16-position block boundaries again (caches at 14 and 23, then 19 and 24).
     */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backends")
    void alibiAttentionMatchesCpuForSpansWithDifferentCacheLengths(Device device, ComputeType type) {
        attentionMatchesCpu(djl(device, type), type, QkvLayout.perHeadInterleaved(4, 8),
                new PositionScheme.Alibi(new float[] {0.25f, 0.0625f, 0.015625f, 0.00390625f}));
    }

    /** The same steps with RoPE and grouped KV heads (2 query heads per KV head, and multi-query), q/k/v side by side. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backends")
    void rotaryGroupedAttentionMatchesCpuForSpansWithDifferentCacheLengths(Device device, ComputeType type) {
        DjlTensorOps ops = djl(device, type);
        PositionScheme rotary = new PositionScheme.Rotary(new float[] {1f, 0.1f, 0.01f, 0.001f});
        attentionMatchesCpu(ops, type, QkvLayout.stacked(4, 2, 8), rotary);
        attentionMatchesCpu(ops, type, QkvLayout.stacked(4, 1, 8), rotary);
    }

    private void attentionMatchesCpu(DjlTensorOps ops, ComputeType type, QkvLayout layout, PositionScheme positions) {
        int layers = 2;
        int kvHeads = layout.kvHeads();
        int headDim = layout.headDim();
        int[][] rowsPerStep = {{13, 3}, {1, 20}, {5, 1}, {1, 1}};
        InMemoryWeights w = new InMemoryWeights(8);
        for (int s = 0; s < rowsPerStep.length; s++) {
            for (int l = 0; l < layers; l++) {
                w.random("qkv" + s + "." + l, rowsPerStep[s][0] + rowsPerStep[s][1], layout.cols(), 0, 1);
            }
        }
        List<KvCache> cpuCaches = List.of(cpu.newKvCache(layers, kvHeads, headDim, 40), cpu.newKvCache(layers, kvHeads, headDim, 40));
        List<KvCache> djlCaches = List.of(ops.newKvCache(layers, kvHeads, headDim, 40), ops.newKvCache(layers, kvHeads, headDim, 40));
        for (int s = 0; s < rowsPerStep.length; s++) {
            int[] rows = rowsPerStep[s];
            List<AttentionSpan> cpuSpans = spans(cpuCaches, rows);
            List<AttentionSpan> djlSpans = spans(djlCaches, rows);
            for (int l = 0; l < layers; l++) {
                String name = "qkv" + s + "." + l;
                Tensor expected = cpu.attention(activation(cpu, w, name), l, layout, positions, cpuSpans);
                Tensor actual = ops.attention(activation(ops, w, name), l, layout, positions, djlSpans);
                assertClose(expected, actual, type, "attention step " + s + " layer " + l + " (cache lengths "
                        + cpuCaches.get(0).length() + ", " + cpuCaches.get(1).length() + ")");
            }
            for (int i = 0; i < 2; i++) {
                cpuCaches.get(i).advance(rows[i]);
                djlCaches.get(i).advance(rows[i]);
            }
            ops.endStep();
        }
    }

    private static List<AttentionSpan> spans(List<KvCache> caches, int[] rows) {
        return List.of(new AttentionSpan(caches.get(0), 0, rows[0]), new AttentionSpan(caches.get(1), rows[0], rows[1]));
    }

    /** Where the memory goes: after {@code endStep} only weights and caches remain, step after step. */
    @Test
    void stepTemporariesAreFreedAtEndStep() {
        DjlTensorOps ops = djl(Device.CPU, ComputeType.FLOAT32);
        InMemoryWeights w = new InMemoryWeights(9).random("x", 3, 16, 0, 1).random("w", 96, 16, 0, 0.3f)
                .randomVector("b", 96, 0, 0.1f).randomVector("gamma", 16, 1, 0.1f).randomVector("beta", 16, 0, 0.1f)
                .random("a", 2, 16, 0, 0.5f).random("up", 96, 2, 0, 0.5f);
        Tensor weight = ops.weight(w, "w");
        Tensor bias = ops.vector(w, "b");
        Tensor gamma = ops.vector(w, "gamma");
        Tensor beta = ops.vector(w, "beta");
        Tensor loraA = ops.weight(w, "a");
        Tensor loraB = ops.weight(w, "up");
        Tensor table = ops.weight(w, "x");
        KvCache cache = ops.newKvCache(1, 4, 8, 3000);
        KvCache grouped = ops.newKvCache(1, 2, 8, 3000);
        QkvLayout stacked = QkvLayout.stacked(8, 2, 8);
        PositionScheme rotary = new PositionScheme.Rotary(new float[] {1f, 0.1f, 0.01f, 0.001f});
        Tensor headScale = ops.vector(new InMemoryWeights(12).randomVector("h", 8, 1, 0.1f), "h");
        int resident = ops.liveArrays();
        for (int step = 0; step < 2000; step++) {
            Tensor x = ops.embed(table, step == 0 ? new int[] {0, 1, 2} : new int[] {step % 3});
            Tensor normed = ops.layerNorm(x, gamma, beta, 1e-5f);
            Tensor qkv = ops.linear(normed, weight, bias);
            ops.addLowRank(qkv, normed, 0, normed.rows(), 0, loraA, loraB, 2f);
            ops.geluTanhInPlace(qkv);
            ops.addInPlace(qkv, qkv);
            Tensor context = ops.attention(qkv, 0, QkvLayout.perHeadInterleaved(4, 8),
                    new PositionScheme.Alibi(new float[] {0.5f, 0.25f, 0.125f, 0.0625f}), List.of(new AttentionSpan(cache, 0, qkv.rows())));
            ops.toFloats(ops.selectRows(ops.concatRows(List.of(context, context)), new int[] {0}));
            Tensor rms = ops.rmsNorm(x, gamma, 1e-6f);
            Tensor gated = ops.siluGate(ops.linear(rms, weight, null));
            Tensor llamaQkv = ops.linear(ops.layerNorm(x, gamma, null, 1e-5f), weight, null);
            ops.headRmsNormInPlace(llamaQkv, stacked, headScale, headScale, 1e-6f);
            ops.toFloats(ops.attention(llamaQkv, 0, stacked, rotary, List.of(new AttentionSpan(grouped, 0, llamaQkv.rows()))));
            ops.toFloats(gated);
            cache.advance(qkv.rows());
            grouped.advance(llamaQkv.rows());
            ops.endStep();
            assertEquals(resident, ops.liveArrays(), "arrays alive after step " + step);
        }
        cache.close();
        grouped.close();
        assertEquals(resident - 4, ops.liveArrays(), "a closed cache frees its keys and values");
    }

    /** Reading or normalising with a weight must not hand the weight itself to the step's manager. */
    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("backends")
    void weightsSurviveEndStepAfterBeingReadAndUsed(Device device, ComputeType type) {
        DjlTensorOps ops = djl(device, type);
        InMemoryWeights w = new InMemoryWeights(11).random("w", 3, 16, 0, 1).randomVector("gamma", 16, 1, 0.1f)
                .randomVector("beta", 16, 0, 0.1f);
        Tensor weight = ops.weight(w, "w");
        Tensor gamma = ops.vector(w, "gamma");
        Tensor beta = ops.vector(w, "beta");
        float[] first = ops.toFloats(weight);
        ops.layerNorm(weight, gamma, beta, 1e-5f);
        ops.endStep();
        assertArrayEquals(first, ops.toFloats(weight));
        assertArrayEquals(ops.toFloats(gamma), ops.toFloats(gamma));
    }

    @Test
    void bfloat16ComputeIsRefusedWithTheSupportedTypesNamed() {
        // Refused before any array exists: DJL 0.36 aborts the JVM on a bfloat16 array (platform notes).
        EngineException e = assertThrows(EngineException.class, () -> new DjlTensorOps(Device.CPU, ComputeType.BFLOAT16));
        assertEquals(EngineException.Kind.INVALID_INPUT, e.kind());
        assertTrue(e.getMessage().contains("float32") && e.getMessage().contains("float16"), e.getMessage());
        assertTrue(e.getMessage().contains("backend cpu"), e.getMessage());
    }

    @Test
    void gpuIsRefusedWhenPyTorchSeesNone() {
        assumeTrue(gpuCount() == 0, "this machine has a CUDA GPU");
        EngineException e = assertThrows(EngineException.class, () -> new DjlTensorOps(Device.GPU, ComputeType.FLOAT32));
        assertEquals(EngineException.Kind.INVALID_INPUT, e.kind());
        assertEquals("no CUDA GPU is visible to PyTorch; use device cpu", e.getMessage());
    }

    /** 16-bit checkpoints are widened in Java (never a bfloat16 array); values exact in the compute type stay exact. */
    @ParameterizedTest(name = "{0} stored, {1} compute")
    @MethodSource("storedTypes")
    void sixteenBitStoredWeightsKeepTheirValues(DType stored, ComputeType type) {
        DjlTensorOps ops = djl(Device.CPU, type);
        Random random = new Random(10);
        float[] values = new float[4 * 8];
        for (int i = 0; i < values.length; i++) {
            float v = 4 * (2 * random.nextFloat() - 1);
            // Rounded to the stored type, as a checkpoint holds them.
            values[i] = stored == DType.BF16 ? Bfloat16.toFloat(Bfloat16.fromFloat(v)) : Float.float16ToFloat(Float.floatToFloat16(v));
        }
        InMemoryWeights w = new InMemoryWeights(10).put("w", stored, new long[] {4, 8}, values);
        assertArrayEquals(values, ops.toFloats(ops.weight(w, "w")));
    }

    /**
     * Log-softmax entries, several per row, on both backends close to float64, over bloomz's 250,880 logits (where
     * a float32 running sum of the exponentials would drift by ~1e-2) and a row length no vector width divides; logits
     * far from zero, so a softmax not shifted by its maximum would overflow. The Vector API backend sums in double:
     * 1e-5. PyTorch's float32 log_softmax answers within a few float32 ulps of a value near -22 (ulp 1.9e-6), and which
     * few depends on the CPU's kernel (ATen's AVX2 and AVX-512 paths differ; 1.06e-5 seen on a Xeon): 5e-5.
     */
    @ParameterizedTest(name = "vocab {0}")
    @ValueSource(ints = {250_880, 37})
    void targetLogProbabilitiesMatchFloat64(int vocab) {
        DjlTensorOps ops = djl(Device.CPU, ComputeType.FLOAT32);
        InMemoryWeights w = new InMemoryWeights(21).random("logits", 3, vocab, 40, 25);
        int[] rows = {0, 1, 2, 1, 0};
        int[] targets = {0, vocab - 1, vocab / 3, 5, 0};
        float[] values = cpu.toFloats(activation(cpu, w, "logits"));
        for (TensorOps backend : List.of(cpu, ops)) {
            double[] actual = backend.targetLogProbabilities(activation(backend, w, "logits"), rows, targets);
            for (int i = 0; i < rows.length; i++) {
                int from = rows[i] * vocab;
                double max = Double.NEGATIVE_INFINITY;
                for (int v = 0; v < vocab; v++) {
                    max = Math.max(max, values[from + v]);
                }
                double sum = 0;
                for (int v = 0; v < vocab; v++) {
                    sum += Math.exp(values[from + v] - max);
                }
                double expected = values[from + targets[i]] - max - Math.log(sum);
                assertEquals(expected, actual[i], backend == cpu ? 1e-5 : 5e-5, backend.name() + " pair " + i);
            }
        }
        assertThrows(IndexOutOfBoundsException.class,
                () -> cpu.targetLogProbabilities(activation(cpu, w, "logits"), new int[] {0}, new int[] {vocab}));
        assertThrows(IndexOutOfBoundsException.class,
                () -> cpu.targetLogProbabilities(activation(cpu, w, "logits"), new int[] {3}, new int[] {0}));
    }

    static Stream<Arguments> storedTypes() {
        return Stream.of(Arguments.of(DType.BF16, ComputeType.FLOAT32), Arguments.of(DType.F16, ComputeType.FLOAT32),
                Arguments.of(DType.F16, ComputeType.FLOAT16));
    }
}
