package dev.peftbench.ui.tune;

import dev.peftbench.engine.Device;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.InputField;
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
 * does not parse names its field (by its label, as every engine error does: {@code FieldLabels}).
 */
record TuneForm(String baseModel, String dataFile, String textColumn, String labelColumn, String template,
                TuningMethod method, String numVirtualTokens, String initText, String loraR, String loraAlpha,
                String loraDropout, String targetModules, boolean useRslora, String epochs, String batchSize,
                String learningRate, Optimizer.Kind optimizer, String weightDecay, String warmupSteps, String maxSteps,
                String evalSplit, String seed, boolean shuffle, String endTokenId, Device device, String out) {

    TuningJob job() {
        boolean lora = method == TuningMethod.LORA;
        MethodSettings methodSettings = new MethodSettings(method,
                lora ? null : integer(InputField.NUM_VIRTUAL_TOKENS, numVirtualTokens), lora ? null : text(initText),
                lora ? integer(InputField.LORA_R, loraR) : null, lora ? number(InputField.LORA_ALPHA, loraAlpha) : null,
                lora ? number(InputField.LORA_DROPOUT, loraDropout) : null,
                lora && text(targetModules) != null ? Arrays.stream(targetModules.split(",")).map(String::strip).toList() : null,
                lora && useRslora ? Boolean.TRUE : null);
        OptimizationSettings optimization = new OptimizationSettings(orDefault(integer(InputField.EPOCHS, epochs),
                OptimizationSettings.DEFAULT_EPOCHS), orDefault(integer(InputField.BATCH_SIZE, batchSize), OptimizationSettings.DEFAULT_BATCH_SIZE),
                number(InputField.LEARNING_RATE, learningRate), optimizer, number(InputField.WEIGHT_DECAY, weightDecay),
                orDefault(integer(InputField.WARMUP_STEPS, warmupSteps), 0), orDefault(integer(InputField.MAX_STEPS, maxSteps), 0), 1,
                seed == null || seed.isBlank() ? OptimizationSettings.DEFAULT_SEED : parse(InputField.SEED, seed, Long::parseLong), shuffle);
        Double split = number(InputField.EVAL_SPLIT, evalSplit);
        TuningData data = new TuningData(path(InputField.DATA, dataFile), text(textColumn), text(labelColumn), text(template),
                split == null ? 0 : split, null, false, integer(InputField.EOS_TOKEN_ID, endTokenId), false);
        return new TuningJob(text(baseModel), null, device, data, methodSettings, optimization, path(InputField.OUT, out));
    }

    private static String text(String s) {
        return s == null || s.isBlank() ? null : s.strip();
    }

    private static Path path(InputField field, String s) {
        if (text(s) == null) {
            throw EngineException.invalid("{0} is empty", field);
        }
        try {
            return Path.of(s.strip());
        } catch (InvalidPathException e) {
            throw EngineException.invalid("{0} '" + s + "' is not a path: " + e.getReason(), field);
        }
    }

    private static Integer integer(InputField field, String s) {
        return text(s) == null ? null : parse(field, s, Integer::parseInt);
    }

    private static Double number(InputField field, String s) {
        return text(s) == null ? null : parse(field, s, Double::parseDouble);
    }

    private static <T> T parse(InputField field, String s, java.util.function.Function<String, T> parser) {
        try {
            return parser.apply(s.strip());
        } catch (NumberFormatException e) {
            throw EngineException.invalid("{0} '" + s.strip() + "' is not a number", field);
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
