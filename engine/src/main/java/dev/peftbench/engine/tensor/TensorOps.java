package dev.peftbench.engine.tensor;

import dev.peftbench.engine.ComputeType;
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

    /** A 2-D weight {@code [out, in]} (or an embedding table) read from {@code source}, in this backend's storage type. */
    Tensor weight(WeightSource source, String name);

    /**
     * A table whose rows are looked up ({@link #embed}: word embeddings, prompt-tuning virtual tokens), never
     * multiplied: backends that quantize weights keep it unquantized. {@code weight}, when not null, is the same
     * stored tensor already loaded by {@link #weight} (a tied lm_head); backends whose weights serve lookups as
     * well return it, so the memory is shared.
     */
    default Tensor embeddingTable(WeightSource source, String name, Tensor weight) {
        return weight != null ? weight : weight(source, name);
    }

    /** A PEFT adapter's matrix (a LoRA factor): as {@link #weight}, except that backends that quantize weights keep it unquantized. */
    default Tensor adapterWeight(WeightSource source, String name) {
        return weight(source, name);
    }

    /** A 1-D parameter (bias, norm scale) read from {@code source}, as a {@code [1, n]} tensor in float32. */
    Tensor vector(WeightSource source, String name);

    /** Rows of {@code table} picked by {@code ids}: {@code [ids.length, table.cols]}. */
    Tensor embed(Tensor table, int[] ids);

    /** All rows of {@code parts}, in order. */
    Tensor concatRows(List<Tensor> parts);

    /** Rows {@code rowIndexes} of {@code x}, in that order. */
    Tensor selectRows(Tensor x, int[] rowIndexes);

    /** Layer normalisation over each row (torch.nn.LayerNorm). */
    Tensor layerNorm(Tensor x, Tensor gamma, Tensor beta, float eps);

    /** {@code x · wᵀ + bias} (torch.nn.functional.linear); {@code bias} may be null. */
    Tensor linear(Tensor x, Tensor w, Tensor bias);

    /** Adds a LoRA update to rows {@code [rowStart, rowStart+rowCount)} of {@code y}: {@code scale · (x · Aᵀ) · Bᵀ}. */
    void addLowRank(Tensor y, Tensor x, int rowStart, int rowCount, Tensor loraA, Tensor loraB, float scale);

    /** BLOOM's tanh approximation of GELU (modeling_bloom.bloom_gelu_forward), in place. */
    void bloomGeluInPlace(Tensor x);

    /** {@code acc += x}, elementwise. */
    void addInPlace(Tensor acc, Tensor x);

    /** A cache for one sequence of up to {@code capacity} positions. */
    KvCache newKvCache(int layers, int heads, int headDim, int capacity);

    /**
     * BLOOM self-attention for a batch of sequences (modeling_bloom.BloomAttention): {@code qkv} is the fused
     * projection {@code [tokens, heads·3·headDim]} laid out per head as {@code [q | k | v]}; each span's keys and
     * values are written to its cache at {@code layer}, then its rows attend causally with the ALiBi bias
     * {@code slope[h] · keyPosition}. Returns the context {@code [tokens, heads·headDim]}.
     */
    Tensor bloomAttention(Tensor qkv, int layer, int heads, int headDim, float[] alibiSlopes, List<AttentionSpan> spans);

    /** The values of {@code x}, row-major, as float32. */
    float[] toFloats(Tensor x);

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
