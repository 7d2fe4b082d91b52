package dev.peftbench.engine.train;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import dev.peftbench.engine.Golden;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One training golden of the fixtures (fixtures/README.md, "Training goldens"): a fixed batch, its loss, the
 * gradient of every trainable tensor and the parameters after one SGD and one AdamW step, computed in float64
 * with PyTorch autograd through a transcription of transformers' BLOOM and peft.
 */
record TrainingGolden(String name, String model, String adapter, String peftType, String template, String textColumn,
                      String labelColumn, int eosTokenId, List<GoldenExample> examples, int numLossTokens, double loss,
                      List<String> trainable, Map<String, List<List<Double>>> grads, Map<String, GoldenOptimizer> optimizers,
                      Map<String, List<List<Double>>> paramsAfterSgd, double lossAfterSgd,
                      Map<String, List<List<Double>>> paramsAfterAdamw, double lossAfterAdamw) {

    record GoldenExample(String text, String label, String prompt, List<Integer> promptTokenIds, List<Integer> targetTokenIds) {
    }

    record GoldenOptimizer(String type, double lr, double weightDecay, List<Double> betas, Double eps) {
    }

    /** The fixtures README's tolerances for a float32 trainer. */
    static final double LOSS_TOLERANCE = 1e-5;
    static final double GRADIENT_TOLERANCE = 1e-4;
    static final double UPDATE_TOLERANCE = 1e-4;

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    static TrainingGolden read(String name) {
        try {
            return JSON.readValue(Golden.FIXTURES.resolve("training").resolve(name + ".json").toFile(), TrainingGolden.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    Path modelDir() {
        return Golden.folder(model);
    }

    Path adapterDir() {
        return Golden.folder(adapter);
    }

    /** The examples as a CSV file with the golden's column names, rows in the batch's order. */
    Path writeCsv(Path dir) throws IOException {
        StringBuilder csv = new StringBuilder(quote(textColumn) + "," + quote(labelColumn) + "\n");
        for (GoldenExample e : examples) {
            csv.append(quote(e.text())).append(',').append(quote(e.label())).append('\n');
        }
        Path file = dir.resolve(name + ".csv");
        Files.writeString(file, csv);
        return file;
    }

    private static String quote(String s) {
        return "\"" + s.replace("\"", "\"\"") + "\"";
    }

    static float[] flat(List<List<Double>> rows) {
        float[] out = new float[rows.size() * rows.getFirst().size()];
        int i = 0;
        for (List<Double> row : rows) {
            for (double v : row) {
                out[i++] = (float) v;
            }
        }
        return out;
    }

    static double[] flatDouble(List<List<Double>> rows) {
        return rows.stream().flatMap(List::stream).mapToDouble(Double::doubleValue).toArray();
    }

    /** ||actual - expected|| / ||expected||. */
    static double relativeL2(double[] actual, double[] expected) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < expected.length; i++) {
            diff += (actual[i] - expected[i]) * (actual[i] - expected[i]);
            norm += expected[i] * expected[i];
        }
        return Math.sqrt(diff / norm);
    }
}
