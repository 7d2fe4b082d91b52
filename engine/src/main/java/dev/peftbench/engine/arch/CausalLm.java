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
     * Runs the new positions of every row through the model, filling each row's cache.
     *
     * @param allPositions false: logits of each row's last position ({@code [vocab]} per row);
     *                     true: logits of every new position ({@code [positions · vocab]} per row)
     */
    List<float[]> forward(List<ForwardRow> rows, boolean allPositions);

    /** Uploads a prompt-tuning table {@code [numVirtual, hidden]} and checks it fits this model. */
    Tensor promptEmbeddings(WeightSource source, String name);

    /** Loads a LoRA adapter's matrices for this architecture, checking every shape against the base. */
    LoraAdapter loadLora(WeightSource source, float scale, String adapterName);

    @Override
    void close();
}
