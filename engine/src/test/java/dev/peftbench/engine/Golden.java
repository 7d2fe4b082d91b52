package dev.peftbench.engine;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * One golden case from the fixtures (see fixtures/README.md and fixtures-llama/README.md): token ids from
 * the Rust tokenizers library, logits and greedy ids from a float64 transcription of transformers' BLOOM,
 * Llama, Mistral, Qwen2 and Qwen3 and of peft. Golden and folder names are unique across both sets.
 */
public record Golden(String name, String model, List<String> sameWeightsAs, String adapter, String adapterBinCopy,
                     String template, String textColumn, int maxNewTokens, List<Integer> eosTokenId,
                     double minTop2Margin, boolean expectError, boolean addGenerationPrompt,
                     Map<String, Object> chatTemplateKwargs, List<Row> rows) {

    public static final Path FIXTURES = Path.of("src/test/resources/fixtures");
    public static final Path LLAMA_FIXTURES = Path.of("src/test/resources/fixtures-llama");

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

    public static Golden read(String name) {
        Path file = FIXTURES.resolve("goldens").resolve(name + ".json");
        if (!Files.isRegularFile(file)) {
            file = LLAMA_FIXTURES.resolve("goldens").resolve(name + ".json");
        }
        try {
            return JSON.readValue(file.toFile(), Golden.class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The BLOOM goldens. */
    public static Stream<String> names() {
        return names(FIXTURES);
    }

    /** The Llama-family goldens of plain prompts (the chat goldens need the model's chat template). */
    public static Stream<String> llamaNames() {
        return names(LLAMA_FIXTURES).filter(n -> !read(n).chat());
    }

    /** The Llama-family chat goldens that generate (not the template-error ones). */
    public static Stream<String> llamaChatNames() {
        return names(LLAMA_FIXTURES).filter(n -> read(n).chat() && !read(n).expectError());
    }

    private static Stream<String> names(Path root) {
        try (Stream<Path> files = Files.list(root.resolve("goldens"))) {
            return files.map(p -> p.getFileName().toString().replace(".json", "")).sorted().toList().stream();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public boolean chat() {
        return "chat".equals(template);
    }

    /** A model or adapter folder of either fixture set. */
    public static Path folder(String name) {
        Path bloom = FIXTURES.resolve(name);
        return Files.isDirectory(bloom) ? bloom : LLAMA_FIXTURES.resolve(name);
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
