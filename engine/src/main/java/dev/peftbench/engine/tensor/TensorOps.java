package dev.peftbench.engine.tensor;

import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.PrefixCacheStats;
import dev.peftbench.engine.load.WeightSource;

import java.util.List;

/**
 * The seam between architectures and hardware: the few operations a decoder-only transformer needs,
 * on batched activations {@code [tokens, features]}. Architectures are written once against this
 * interface; backends ({@code cpu}: Java Vector API kernels, {@code djl}: PyTorch through DJL) decide
 * storage and execution. Each model's backend is used by one scheduler thread at a time.
 */
public interface TensorOps extends AutoCloseable {

    String name();

    ComputeType computeType();

    /**
     * The named 2-D weights {@code [out, in]} stacked row-wise into one matrix (a fused projection, e.g.
     * q_proj, k_proj and v_proj as one product), read from {@code source} in this backend's storage type.
     * One name gives that weight (or embedding table) itself.
     */
    Tensor weight(WeightSource source, List<String> names);

    default Tensor weight(WeightSource source, String name) {
        return weight(source, List.of(name));
    }

    /**
     * An attention projection of layer {@code layer} (q/k/v stacked, or the output), as {@link #weight}. Backends that
     * quantize weights keep layer 0's in float32, whose rounding the rest of the model amplifies most (a 560M model
     * reads ~1-2% more bytes per token), as llama.cpp's quantization mixes spend more bits on the first layers; on the
     * goldens that takes int8's Qwen first-step logits from 4x the reduced-precision bar to within it, and q4's worst
     * from 0.87 to 0.41 (ModelGoldenTest).
     */
    default Tensor attentionWeight(WeightSource source, List<String> names, int layer) {
        return weight(source, names);
    }

    /**
     * A table whose rows are looked up ({@link #embed}: word embeddings, prompt-tuning virtual tokens), never
     * multiplied: backends that quantize weights keep it unquantized. {@code weight}, when not null, is the same
     * stored tensor already loaded by {@link #weight} (a tied lm_head); backends whose weights serve lookups as
     * well return it, so the memory is shared.
     */
    default Tensor embeddingTable(WeightSource source, String name, Tensor weight) {
        return weight != null ? weight : weight(source, name);
    }

    /**
     * A LoRA matrix {@code [out, in]}, kept in float32 whatever the compute type, as peft keeps adapter
     * weights by default ({@code autocast_adapter_dtype}): the update {@code B(A(x))} is computed in float32
     * and added to the base projection's output.
     */
    Tensor adapterWeight(WeightSource source, String name);

    /**
     * Bytes of the weights loaded so far that every forward step reads once, in this backend's storage: the matrices
     * and vectors, not the embedding rows it looks up nor adapters. A decode step streams them from memory, so bytes
     * times tokens per second is the bandwidth it draws. -1 where the backend does not count them.
     */
    default long weightBytes() {
        return -1;
    }

    /** The named 1-D parameters (biases, norm scales) one after another, as a {@code [1, n]} tensor in float32. */
    Tensor vector(WeightSource source, List<String> names);

    default Tensor vector(WeightSource source, String name) {
        return vector(source, List.of(name));
    }

    /** Rows of {@code table} picked by {@code ids}: {@code [ids.length, table.cols]}. */
    Tensor embed(Tensor table, int[] ids);

    /** All rows of {@code parts}, in order. */
    Tensor concatRows(List<Tensor> parts);

    /** Rows {@code rowIndexes} of {@code x}, in that order. */
    Tensor selectRows(Tensor x, int[] rowIndexes);

    /** Layer normalisation over each row (torch.nn.LayerNorm); {@code beta} may be null (no bias). */
    Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps);

    /** RMS normalisation over each row, {@code x / sqrt(mean(x²) + eps) · weight} (LlamaRMSNorm, in float32). */
    Tensor rmsNorm(Tensor x, Tensor weight, float eps);

    /**
     * RMS normalisation of every query head and every key head of a fused q/k/v row, in place, with the
     * {@code [1, headDim]} scales {@code qWeight} and {@code kWeight} (Qwen3's q_norm and k_norm, applied
     * before the position scheme).
     */
    void headRmsNormInPlace(Tensor qkv, QkvLayout layout, Tensor qWeight, Tensor kWeight, float eps);

    /** {@code x · wᵀ + bias} (torch.nn.functional.linear); {@code bias} may be null. */
    Tensor linear(Tensor x, Tensor w, Tensor bias);

    /**
     * Adds a LoRA update to rows {@code [rowStart, rowStart+rowCount)} and columns {@code [colStart,
     * colStart + loraB.rows)} of {@code y}: {@code scale · (x · Aᵀ) · Bᵀ} (the columns of one projection
     * within a fused one).
     */
    void addLowRank(Tensor y, Tensor x, int rowStart, int rowCount, int colStart, Tensor loraA, Tensor loraB, float scale);

    /** GELU's tanh approximation (modeling_bloom.bloom_gelu_forward, gelu_pytorch_tanh), in place. */
    void geluTanhInPlace(Tensor x);

    /**
     * The SiLU-gated unit of a Llama MLP, {@code silu(gate) · up}, from the fused gate/up projection
     * {@code [rows, 2·n]} (gate in the first {@code n} columns): {@code [rows, n]}.
     */
    Tensor siluGate(Tensor gateUp);

    /** {@code acc += x}, elementwise. */
    void addInPlace(Tensor acc, Tensor x);

    /** A cache for one sequence of up to {@code capacity} positions, holding {@code kvHeads} key/value heads per layer. */
    KvCache newKvCache(int layers, int kvHeads, int headDim, int capacity);

    /**
     * Keeps up to {@code bytes} of cached KV blocks that no sequence uses for later sequences starting with the same
     * positions ({@link KvCache#reusePrefix}); 0 = no prefix cache. Backends whose caches are not paged share nothing
     * and ignore it.
     */
    default void keepPrefixBlocks(long bytes) {
    }

    /** What the prefix cache did and holds ({@link #keepPrefixBlocks}). */
    default PrefixCacheStats prefixCacheStats() {
        return PrefixCacheStats.NONE;
    }

    /**
     * Causal self-attention for a batch of sequences over their caches (scaled dot product, float32 softmax):
     * each span's new keys and values ({@code layout} says where they sit in {@code qkv}) are written to its
     * cache at {@code layer}, after {@code positions} rotated them, and its rows attend to every position
     * cached so far, including each other's; query head {@code h} reads KV head {@link QkvLayout#kvHeadOf}.
     * {@code qkv} may be changed in place (rotated queries and keys). Returns the context
     * {@code [tokens, heads·headDim]}, heads side by side.
     */
    Tensor attention(Tensor qkv, int layer, QkvLayout layout, PositionScheme positions, List<AttentionSpan> spans);

    /**
     * {@code log softmax(logits[rows[i]])[targets[i]]} for each pair {@code i}, over {@code logits} {@code [n, vocab]}
     * (a row may be paired with several targets): the softmax over the whole vocabulary in float32, its normaliser
     * summed in float64. Minus the per-token cross-entropy that training's loss sums ({@link Autograd#crossEntropySum}).
     */
    double[] targetLogProbabilities(Tensor logits, int[] rows, int[] targets);

    /** The values of {@code x}, row-major, as float32: {@code rows · cols} of them. */
    float[] toFloats(Tensor x);

    /**
     * Copies the values of {@code x}, row-major, into the start of {@code into} (at least {@code rows · cols} long):
     * what a step's logits go through, so a backend can skip {@link #toFloats}' array.
     */
    default void copyFloats(Tensor x, float[] into) {
        float[] values = toFloats(x);
        System.arraycopy(values, 0, into, 0, values.length);
    }

    /**
     * The caller is done with {@code x}, a result of this backend's operations (never a weight): a later
     * result may reuse its memory. Using {@code x} afterwards is a bug. Backends that free temporaries
     * per step ({@link #endStep}) may ignore it.
     */
    default void recycle(Tensor x) {
    }

    /** The forward pass is over and its outputs read: a backend may free the step's temporaries. */
    default void endStep() {
    }

    @Override
    default void close() {
    }
}
