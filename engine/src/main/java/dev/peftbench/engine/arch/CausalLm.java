package dev.peftbench.engine.arch;

import dev.peftbench.engine.ModelInfo;
import dev.peftbench.engine.load.WeightSource;
import dev.peftbench.engine.adapter.LoraTargets;
import dev.peftbench.engine.tensor.KvCache;
import dev.peftbench.engine.tensor.Tensor;
import dev.peftbench.engine.tensor.TensorOps;

import java.util.List;

/** A loaded decoder-only language model (one per base model), driven by the scheduler thread. */
public interface CausalLm extends AutoCloseable {

    ModelInfo info();

    TensorOps ops();

    int vocabSize();

    int hiddenSize();

    KvCache newCache(int capacity);

    /**
     * Runs the new positions of every row through the model, filling each row's cache, and returns the
     * logits of the last position of each row that {@linkplain ForwardRow#wantsLogits wants them}, in row
     * order (in the model's reused buffer: see {@link Logits}).
     */
    Logits forward(List<ForwardRow> rows);

    /**
     * Runs the new positions of every row through the model, filling each row's cache, and returns the logits
     * of {@code positions} (indexes into the rows' new positions laid end to end; null: all of them) as a
     * backend tensor {@code [positions, vocab]}. The step is left open: the caller reads or differentiates the
     * logits, then ends it ({@link TensorOps#endStep}). What training differentiates.
     */
    Tensor logits(List<ForwardRow> rows, int[] positions);

    /** The word embeddings of {@code ids}, {@code [ids.length · hidden]} in float32 (what prompt tuning's text initialisation copies). */
    float[] embeddings(int[] ids);

    /** Uploads a prompt-tuning table {@code [numVirtual, hidden]} (AdapterLoader checks that it fits this model). */
    Tensor promptEmbeddings(WeightSource source, String name);

    /** The projections a LoRA adapter may adapt in this model, and how its weight names find them. */
    LoraTargets loraTargets();

    /**
     * Refuses (INVALID_INPUT) a sequence of {@code positions} (virtual tokens + prompt + new tokens) that
     * this engine would not compute as the model defines it, e.g. one longer than a sliding attention window.
     */
    default void checkSequenceLength(int positions) {
    }

    @Override
    void close();
}
