package dev.peftbench.serve.cli;

import dev.peftbench.engine.LoadProgress;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.engine.hub.DownloadProgress;
import dev.peftbench.serve.BundledSample;
import dev.peftbench.serve.RuntimeContract.Setting;
import dev.peftbench.serve.repository.ModelFields;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The model flags shared by {@code generate}, {@code bench} and {@code serve}, with the same names,
 * variables and validation everywhere. Unset flags fall to the runtime's variables
 * ({@code PRETRAINED_MODEL_PATH}, {@code PEFT_MODEL_ID}, {@code PEFTBENCH_DTYPE}...).
 */
final class ModelOptions {

    @Option(names = "--model", description = "Base model folder or Hub id, downloaded into the HF cache when missing (env PRETRAINED_MODEL_PATH).")
    String model;
    @Option(names = "--adapter", description = "PEFT adapter folder or Hub id (env PEFT_MODEL_ID); 'none' for the bare model.")
    String adapter;
    @Option(names = "--template", description = "seed (\"{text column} : {input} Label : \"), raw, or a pattern with {input} "
            + "(env PEFTBENCH_TEMPLATE; default seed).")
    String template;
    @Option(names = "--text-column", description = "Text column of the seed template (env DATASET_TEXT_COLUMN_NAME; default 'Tweet text').")
    String textColumn;
    @Option(names = "--dtype", description = "float32 (default), bfloat16, int8 or q4 on the cpu backend (bfloat16: half the memory, "
            + "about twice the speed; int8: 8-bit weights, q8_0 blocks quantized at load; q4: 4-bit q4_0 blocks); float16 or float32 on djl (env PEFTBENCH_DTYPE).")
    String dtype;
    @Option(names = "--backend", description = "auto (default), cpu (Java Vector API) or djl (PyTorch) (env PEFTBENCH_BACKEND).")
    String backend;
    @Option(names = "--device", description = "cpu (default) or gpu (djl backend on CUDA) (env PEFTBENCH_DEVICE).")
    String device;

    /** The flags as typed, by setting; unset ones are absent. */
    Map<Setting, String> flags() {
        Map<Setting, String> flags = new EnumMap<>(Setting.class);
        put(flags, Setting.BASE_MODEL, model);
        put(flags, Setting.ADAPTER, adapter);
        put(flags, Setting.TEMPLATE, template);
        put(flags, Setting.TEXT_COLUMN, textColumn);
        put(flags, Setting.DTYPE, dtype);
        put(flags, Setting.BACKEND, backend);
        put(flags, Setting.DEVICE, device);
        return flags;
    }

    static void put(Map<Setting, String> flags, Setting setting, Object value) {
        if (value != null) {
            flags.put(setting, value.toString());
        }
    }

    /** Flags > environment > the bundled sample; {@code notices} hears when the sample was taken. */
    ModelSpec spec(Map<String, String> env, Consumer<String> notices) {
        ModelFields flags = ModelFields.fromFlags(flags());
        ModelFields chosen = ModelFields.resolve(flags, env, ModelFields.NONE, BundledSample.fields());
        if (flags.orElse(ModelFields.fromEnvironment(env)).baseModel() == null) {
            notices.accept("no " + Setting.BASE_MODEL.label() + ": using the bundled sample " + chosen.baseModel()
                    + (chosen.adapterToLoad() == null ? "" : " with adapter " + chosen.adapterToLoad()));
        }
        return chosen.spec();
    }

    /**
     * Load progress as lines on stderr (stdout stays for the answer), at most one per 10%; a download's
     * progress is logged by the engine (also on stderr), so it is not printed twice.
     */
    static LoadProgress progressTo(PrintWriter err) {
        ProgressLine line = new ProgressLine(err, false);
        return new LoadProgress() {
            @Override
            public void report(double fraction, String message) {
                line.show(String.format("loading %3.0f%%  %s", fraction * 100, message), (int) (fraction * 10));
            }

            @Override
            public void downloading(DownloadProgress progress) {
            }
        };
    }
}
