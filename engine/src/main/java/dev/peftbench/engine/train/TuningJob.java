package dev.peftbench.engine.train;

import dev.peftbench.engine.Device;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.InputField;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One tuning run: the base model (a folder or Hub id), optionally an adapter to continue from, the data,
 * the method, the optimisation, and the folder the adapter is written to.
 *
 * @param adapter       null: a fresh adapter
 * @param device        where PyTorch computes (float32 either way)
 * @param checkpointing overwriting the output folder, checkpoints, resuming
 */
public record TuningJob(String model, String adapter, Device device, TuningData data, MethodSettings method,
                        OptimizationSettings optimization, Path out, Checkpointing checkpointing) {

    /** A run into an empty (or new) folder, without checkpoints. */
    public TuningJob(String model, String adapter, Device device, TuningData data, MethodSettings method,
                     OptimizationSettings optimization, Path out) {
        this(model, adapter, device, data, method, optimization, out, Checkpointing.NONE);
    }

    public TuningJob {
        if (model == null || model.isBlank()) {
            throw EngineException.invalid("no base model given: set {0} (a folder or Hub id)", InputField.MODEL);
        }
        adapter = adapter == null || adapter.isBlank() ? null : adapter;
        device = device == null ? Device.CPU : device;
        Objects.requireNonNull(data, "data");
        method = method == null ? MethodSettings.promptTuning(null, null) : method;
        optimization = optimization == null ? OptimizationSettings.defaults() : optimization;
        if (out == null) {
            throw EngineException.invalid("no output folder given: set {0}", InputField.OUT);
        }
        checkpointing = checkpointing == null ? Checkpointing.NONE : checkpointing;
    }
}
