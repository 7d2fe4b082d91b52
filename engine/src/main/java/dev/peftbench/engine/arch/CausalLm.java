package dev.peftbench.engine.arch;

import dev.peftbench.engine.ModelInfo;
import dev.peftbench.engine.load.WeightSource;
import dev.peftbench.engine.adapter.LoraAdapter;
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

    /** As {@link #forward}, but the logits of every new position ({@code [positions · vocab]} per row), in fresh arrays. */
    List<float[]> forwardAllPositions(List<ForwardRow> rows);

    /** Uploads a prompt-tuning table {@code [numVirtual, hidden]} and checks it fits this model. */
    Tensor promptEmbeddings(WeightSource source, String name);

    /** Loads a LoRA adapter's matrices for this architecture, checking every shape against the base. */
    LoraAdapter loadLora(WeightSource source, float scale, String adapterName);

    @Override
    void close();
}
