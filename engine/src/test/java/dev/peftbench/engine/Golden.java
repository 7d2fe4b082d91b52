package dev.peftbench.engine;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One golden case from the fixtures (see fixtures/README.md and fixtures-llama/README.md): token ids from
 * the Rust tokenizers library, logits and greedy ids from a float64 transcription of transformers' BLOOM,
 * Llama, Mistral, Qwen2 and Qwen3 and of peft. The sets are found, not listed ({@link #SETS}): a family's new
 * set runs in every golden test. Golden and folder names are unique across the sets.
 */
public record Golden(String name, String model, List<String> sameWeightsAs, String adapter, String adapterBinCopy,
                     String template, String textColumn, int maxNewTokens, List<Integer> eosTokenId,
                     double minTop2Margin, boolean expectError, boolean addGenerationPrompt,
                     Map<String, Object> chatTemplateKwargs, List<Row> rows) {

    /** Where the fixture sets live: every folder here named {@code fixtures*} with a {@code goldens} folder is one. */
    private static final Path RESOURCES = Path.of("src/test/resources");
    /** The BLOOM set (training goldens and data files live only there). */
    public static final Path FIXTURES = RESOURCES.resolve("fixtures");
    /** Every fixture set, each a README, model and adapter folders and {@code goldens/}: one per family or more. */
    public static final List<Path> SETS = sets();

    /** One prompt: {@code input} for a plain prompt, {@code messages} ({@code role}, {@code content}) for a chat. */
    public record Row(String input, List<Map<String, String>> messages, String prompt, List<Integer> promptTokenIds,
                      List<Integer> generatedTokenIds, String text, String generatedText, List<List<Float>> stepLogits,
                      List<List<Float>> promptLogits) {
        public int[] promptIds() {
            return promptTokenIds.stream().mapToInt(Integer::intValue).toArray();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    /** The golden's JSON file, in whichever set holds it. */
    public static Path file(String name) {
        return SETS.stream().map(set -> set.resolve("goldens").resolve(name + ".json")).filter(Files::isRegularFile).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no golden '" + name + "' in " + SETS));
    }

    public static Golden read(String name) {
        try {
            return JSON.readValue(file(name).toFile(), Golden.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Path> sets() {
        try (Stream<Path> dirs = Files.list(RESOURCES)) {
            return dirs.filter(d -> d.getFileName().toString().startsWith("fixtures") && Files.isDirectory(d.resolve("goldens")))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every plain-prompt golden of every fixture set, whatever the family (the chat goldens need the model's chat template). */
    public static Stream<String> names() {
        return all().filter(n -> !read(n).chat());
    }

    /** The chat goldens that generate (not the template-error ones), of every set. */
    public static Stream<String> chatNames() {
        return all().filter(n -> read(n).chat() && !read(n).expectError());
    }

    /** The chat goldens whose rows are refused by the template, each with the text it raises. */
    public static Stream<String> chatErrorNames() {
        return all().filter(n -> read(n).chat() && read(n).expectError());
    }

    private static Stream<String> all() {
        List<String> names = new ArrayList<>();
        for (Path set : SETS) {
            try (Stream<Path> files = Files.list(set.resolve("goldens"))) {
                files.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".json")).map(f -> f.replace(".json", ""))
                        .forEach(names::add);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return names.stream().sorted();
    }

    public boolean chat() {
        return "chat".equals(template);
    }

    /** A model or adapter folder of any fixture set (folder names are unique across the sets). */
    public static Path folder(String name) {
        return SETS.stream().map(set -> set.resolve(name)).filter(Files::isDirectory).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no fixture folder '" + name + "' in " + SETS));
    }

    public Path modelDir() {
        return folder(model);
    }

    public Path adapterDir() {
        return adapter == null ? null : folder(adapter);
    }

    /** Relative L2 error ||actual - expected|| / ||expected||. */
    public static double relativeL2(float[] actual, int offset, List<Float> expected) {
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < expected.size(); i++) {
            double e = expected.get(i);
            double d = actual[offset + i] - e;
            diff += d * d;
            norm += e * e;
        }
        return Math.sqrt(diff / norm);
    }

    public static int argmax(float[] v, int offset, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (v[offset + i] > v[offset + best]) {
                best = i;
            }
        }
        return best;
    }
}
