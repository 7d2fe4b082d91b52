package dev.peftbench.engine.tensor.cpu;

import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.load.DType;
import dev.peftbench.engine.tensor.AttentionSpan;
import dev.peftbench.engine.tensor.KvCache;
import dev.peftbench.engine.tensor.PositionScheme;
import dev.peftbench.engine.tensor.QkvLayout;
import dev.peftbench.engine.tensor.Tensor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Gets the JIT to compile the CPU kernels while a model's weights are still loading: every operation on
 * small made-up tensors, on a thread of its own (loading packs weights on one core). Until C2 compiles
 * them, Vector API kernels run interpreted or in C1, where each vector is a boxed object: the first
 * forward of a bloomz-560m took ~3 s that way. Compiled code is shared by the whole JVM, so this runs
 * once per compute type.
 */
final class KernelWarmUp {

    private static final Logger LOG = LoggerFactory.getLogger(KernelWarmUp.class);
    private static final Set<ComputeType> STARTED = ConcurrentHashMap.newKeySet();

    /** Rows per product: 13 = 8 + 4 + 1, so each of the kernels' row tiles runs. */
    private static final int ROWS = 13;
    private static final int ROUNDS = 300;

    private KernelWarmUp() {
    }

    /** Starts the warm-up for {@code type} unless this JVM already did. */
    static void startOnce(ComputeType type) {
        if (STARTED.add(type)) {
            Thread.ofPlatform().daemon().name("peftbench-kernel-warmup").start(() -> run(type));
        }
    }

    private static void run(ComputeType type) {
        long start = System.nanoTime();
        try {
            exercise(type, ROUNDS);
            LOG.debug("{} kernels warmed up in {} ms", type.label(), (System.nanoTime() - start) / 1_000_000);
        } catch (RuntimeException e) {
            // Only speed is at stake: the model's own warm-up and first requests compile what this missed.
            LOG.warn("kernel warm-up failed: {}", e.toString());
        }
    }

    /**
     * {@code rounds} of the norms, product, activations and add over {@link #ROWS} rows, with attention
     * every tenth round: ALiBi with a KV head per query head (BLOOM) and RoPE with grouped KV heads and
     * normalised heads (Llama, Qwen); with 8- or 4-bit weights, products of float32 adapters, of a longer prefill and of
     * one and three rows too.
     */
    static void exercise(ComputeType type, int rounds) {
        try (CpuTensorOps ops = new CpuTensorOps(type, 1, false)) {
            SplittableRandom random = new SplittableRandom(7);
            int hidden = 128;
            int heads = 2;
            int headDim = 64;
            Tensor up = packed(type, 4 * hidden, hidden, random);
            Tensor qkvWeight = packed(type, 3 * heads * headDim, hidden, random);
            // Adapters stay in float32 beside 8-bit weights: their kernels run too.
            boolean quantized = type == ComputeType.INT8 || type == ComputeType.Q4;
            Tensor adapter = quantized ? packed(ComputeType.FLOAT32, 8, hidden, random) : null;
            CpuTensor gamma = filled(1, hidden, random);
            CpuTensor beta = filled(1, hidden, random);
            CpuTensor headScale = filled(1, headDim / 2, random);
            PositionScheme alibi = new PositionScheme.Alibi(new float[] {0.5f, 0.25f});
            // The same product's output read as 8 query heads of 32 over 2 KV heads.
            QkvLayout grouped = QkvLayout.stacked(8, 2, headDim / 2);
            float[] frequencies = new float[grouped.headDim() / 2];
            for (int i = 0; i < frequencies.length; i++) {
                frequencies[i] = (float) Math.pow(10000, -2.0 * i / grouped.headDim());
            }
            PositionScheme rotary = new PositionScheme.Rotary(frequencies);
            for (int round = 0; round < rounds; round++) {
                CpuTensor x = filled(ROWS, hidden, random);
                Tensor normed = ops.layerNorm(x, gamma, beta, 1e-5f);
                Tensor rms = ops.rmsNorm(x, gamma, 1e-5f);
                Tensor y = ops.linear(normed, up, null);
                ops.geluTanhInPlace(y);
                ops.addInPlace(y, y);
                Tensor gated = ops.siluGate(y);
                for (Tensor t : new Tensor[] {y, rms, gated}) {
                    ops.recycle(t);
                }
                if (adapter != null) {
                    ops.recycle(ops.linear(normed, adapter, null));
                    // A prefill's product: panels dequantized, then the float32 kernels' row tiles.
                    CpuTensor prefill = filled(ROWS + Int8Kernels.DEQUANTIZE_ROWS, hidden, random);
                    ops.recycle(ops.linear(prefill, up, null));
                    // Decode rows below the tiles (the integer kernels), one and three at a time.
                    ops.recycle(ops.linear(filled(1, hidden, random), up, null));
                    ops.recycle(ops.linear(filled(3, hidden, random), up, null));
                }
                if (round % 10 == 0) {
                    attention(ops, normed, qkvWeight, QkvLayout.perHeadInterleaved(heads, headDim), alibi, null);
                    attention(ops, normed, qkvWeight, grouped, rotary, headScale);
                }
                ops.recycle(normed);
                ops.endStep();
            }
        }
    }

    /** A prefill of {@link #ROWS} positions, then single-row steps across several KV blocks. */
    private static void attention(CpuTensorOps ops, Tensor x, Tensor qkvWeight, QkvLayout layout, PositionScheme positions,
                                  Tensor headScale) {
        int steps = 3 * KvBlockPool.BLOCK;
        try (KvCache cache = ops.newKvCache(1, layout.kvHeads(), layout.headDim(), ROWS + steps)) {
            Tensor qkv = ops.linear(x, qkvWeight, null);
            if (headScale != null) {
                ops.headRmsNormInPlace(qkv, layout, headScale, headScale, 1e-6f);
            }
            ops.recycle(ops.attention(qkv, 0, layout, positions, List.of(new AttentionSpan(cache, 0, ROWS))));
            cache.advance(ROWS);
            Tensor one = ops.selectRows(qkv, new int[] {ROWS - 1});
            for (int i = 0; i < steps; i++) {
                ops.recycle(ops.attention(one, 0, layout, positions, List.of(new AttentionSpan(cache, 0, 1))));
                cache.advance(1);
            }
            ops.recycle(one);
            ops.recycle(qkv);
        }
    }

    private static Tensor packed(ComputeType type, int rows, int cols, SplittableRandom random) {
        ByteBuffer stored = ByteBuffer.allocate(4 * rows * cols).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows * cols; i++) {
            stored.putFloat((float) random.nextDouble(-0.1, 0.1));
        }
        stored.flip();
        return switch (type) {
            case BFLOAT16 -> PackedWeight.Bf16.pack(stored, DType.F32, rows, cols);
            case INT8 -> PackedWeight.Int8.pack(stored, DType.F32, rows, cols);
            case Q4 -> PackedWeight.Q4.pack(stored, DType.F32, rows, cols);
            default -> PackedWeight.F32.pack(stored, DType.F32, rows, cols);
        };
    }

    private static CpuTensor filled(int rows, int cols, SplittableRandom random) {
        float[] values = new float[rows * cols];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) random.nextDouble(-1, 1);
        }
        return new CpuTensor(values, rows, cols);
    }
}
