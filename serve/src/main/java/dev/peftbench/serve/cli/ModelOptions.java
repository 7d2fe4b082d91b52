package dev.peftbench.serve.cli;

import dev.peftbench.engine.Backend;
import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.Device;
import dev.peftbench.engine.LoadProgress;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.engine.generate.PromptTemplate;
import dev.peftbench.engine.hub.DownloadProgress;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The model choice shared by {@code generate} and {@code bench}: flags win over the reference runtime's
 * variables ({@code PRETRAINED_MODEL_PATH}, {@code PEFT_MODEL_ID}, {@code DATASET_TEXT_COLUMN_NAME});
 * with neither, the bundled sample (tiny BLOOM + its prompt-tuning adapter) so a fresh clone runs offline.
 */
final class ModelOptions {

    static final String SAMPLE_MODEL = "sample-data/models/tiny-bloom";
    static final String SAMPLE_ADAPTER = "sample-data/models/tiny-bloom-prompt-tuning";

    @Option(names = "--model", description = "Base model folder or Hub id, downloaded into the HF cache when missing (env PRETRAINED_MODEL_PATH; default: the bundled sample).")
    String model;
    @Option(names = "--adapter", description = "PEFT adapter folder or Hub id (env PEFT_MODEL_ID); 'none' for the bare model.")
    String adapter;
    @Option(names = "--template", description = "seed (\"{text column} : {input} Label : \"), raw, or a pattern with {input}. Default: seed.")
    String template = "seed";
    @Option(names = "--text-column", description = "Text column of the seed template (env DATASET_TEXT_COLUMN_NAME; default 'Tweet text').")
    String textColumn;
    @Option(names = "--device", description = "cpu or gpu (default cpu).")
    String device = "cpu";
    @Option(names = "--dtype", description = "float32 or bfloat16 (cpu backend); float16 or float32 (djl backend). Default float32.")
    String dtype = "float32";
    @Option(names = "--backend", description = "auto, cpu (Java Vector API) or djl (PyTorch). Default auto.")
    String backend = "auto";

    /** Resolves flags > environment > the bundled sample; {@code notices} hears which default was taken. */
    ModelSpec spec(Map<String, String> env, Consumer<String> notices) {
        String base = firstNonBlank(model, env.get("PRETRAINED_MODEL_PATH"));
        String peft = firstNonBlank(adapter, env.get("PEFT_MODEL_ID"));
        if (base == null) {
            Path home = Path.of(System.getProperty("peftbench.home", "."));
            base = home.resolve(SAMPLE_MODEL).toString();
            if (peft == null && Files.isDirectory(home.resolve(SAMPLE_ADAPTER))) {
                peft = home.resolve(SAMPLE_ADAPTER).toString();
            }
            notices.accept("no --model or PRETRAINED_MODEL_PATH: using the bundled sample " + base
                    + (peft == null ? "" : " with adapter " + peft));
        }
        if ("none".equalsIgnoreCase(peft)) {
            peft = null;
        }
        String column = firstNonBlank(textColumn, env.get("DATASET_TEXT_COLUMN_NAME"));
        return new ModelSpec(base, peft, PromptTemplate.parse(template, column), Device.parse(device),
                ComputeType.parse(dtype), Backend.parse(backend), ModelSpec.DEFAULT_MAX_PROMPT_TOKENS);
    }

    /**
     * Load progress as lines on stderr (stdout stays for the answer), at most one per 10%; a download's
     * progress is logged by the engine (also on stderr), so it is not printed twice.
     */
    static LoadProgress progressTo(PrintWriter err) {
        int[] lastDecile = {-1};
        return new LoadProgress() {
            @Override
            public void report(double fraction, String message) {
                int decile = (int) (fraction * 10);
                if (decile != lastDecile[0]) {
                    lastDecile[0] = decile;
                    err.printf("loading %3.0f%%  %s%n", fraction * 100, message);
                    err.flush();
                }
            }

            @Override
            public void downloading(DownloadProgress progress) {
            }
        };
    }

    private static String firstNonBlank(String a, String b) {
        if (a != null && !a.isBlank()) {
            return a;
        }
        return b != null && !b.isBlank() ? b : null;
    }
}
