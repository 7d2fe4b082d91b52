package dev.peftbench.ui.tune;

import dev.peftbench.engine.Device;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.train.MethodSettings;
import dev.peftbench.engine.train.OptimizationSettings;
import dev.peftbench.engine.train.Optimizer;
import dev.peftbench.engine.train.TuningData;
import dev.peftbench.engine.train.TuningJob;
import dev.peftbench.engine.train.TuningMethod;

import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * The Tune page's fields as typed, turned into the engine's {@link TuningJob} exactly as {@code ./peftbench
 * tune} turns its flags into one: a blank field is the flag left out (the engine's default), a value that
 * does not parse names its field.
 */
record TuneForm(String baseModel, String dataFile, String textColumn, String labelColumn, String template,
                TuningMethod method, String numVirtualTokens, String initText, String loraR, String loraAlpha,
                String loraDropout, String targetModules, boolean useRslora, String epochs, String batchSize,
                String learningRate, Optimizer.Kind optimizer, String weightDecay, String warmupSteps, String maxSteps,
                String evalSplit, String seed, boolean shuffle, String endTokenId, Device device, String out) {

    TuningJob job() {
        boolean lora = method == TuningMethod.LORA;
        MethodSettings methodSettings = new MethodSettings(method,
                lora ? null : integer("Virtual tokens", numVirtualTokens), lora ? null : text(initText),
                lora ? integer("LoRA r", loraR) : null, lora ? number("LoRA alpha", loraAlpha) : null,
                lora ? number("LoRA dropout", loraDropout) : null,
                lora && text(targetModules) != null ? Arrays.stream(targetModules.split(",")).map(String::strip).toList() : null,
                lora && useRslora ? Boolean.TRUE : null);
        OptimizationSettings optimization = new OptimizationSettings(orDefault(integer("Epochs", epochs),
                OptimizationSettings.DEFAULT_EPOCHS), orDefault(integer("Batch size", batchSize), OptimizationSettings.DEFAULT_BATCH_SIZE),
                number("Learning rate", learningRate), optimizer, number("Weight decay", weightDecay),
                orDefault(integer("Warm-up steps", warmupSteps), 0), orDefault(integer("Max steps", maxSteps), 0), 1,
                seed == null || seed.isBlank() ? OptimizationSettings.DEFAULT_SEED : parse("Seed", seed, Long::parseLong), shuffle);
        Double split = number("Held-out fraction", evalSplit);
        TuningData data = new TuningData(path("Data file", dataFile), text(textColumn), text(labelColumn), text(template),
                split == null ? 0 : split, null, false, integer("End id", endTokenId), false);
        return new TuningJob(text(baseModel), null, device, data, methodSettings, optimization, path("Output folder", out));
    }

    private static String text(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static Path path(String field, String s) {
        if (text(s) == null) {
            throw EngineException.invalid(field + " is empty");
        }
        try {
            return Path.of(s.strip());
        } catch (InvalidPathException e) {
            throw EngineException.invalid(field + " '" + s + "' is not a path: " + e.getReason());
        }
    }

    private static Integer integer(String field, String s) {
        return text(s) == null ? null : parse(field, s, Integer::parseInt);
    }

    private static Double number(String field, String s) {
        return text(s) == null ? null : parse(field, s, Double::parseDouble);
    }

    private static <T> T parse(String field, String s, java.util.function.Function<String, T> parser) {
        try {
            return parser.apply(s.strip());
        } catch (NumberFormatException e) {
            throw EngineException.invalid(field + " '" + s.strip() + "' is not a number");
        }
    }

    private static int orDefault(Integer value, int fallback) {
        return value == null ? fallback : value;
    }

    /** Where the adapter goes when the output field is empty: beside the data file, named after it and the method. */
    static String defaultOut(String dataFile, TuningMethod method) {
        if (text(dataFile) == null) {
            return "";
        }
        try {
            Path data = Path.of(dataFile.strip());
            String name = data.getFileName().toString().replaceFirst("\\.[^.]*$", "");
            Path parent = data.toAbsolutePath().getParent();
            return parent.resolve(name + "-" + method.label()).toString();
        } catch (InvalidPathException e) {
            return "";
        }
    }
}
