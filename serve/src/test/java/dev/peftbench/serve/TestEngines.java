package dev.peftbench.serve;

import dev.peftbench.engine.Engine;
import dev.peftbench.engine.EngineOptions;
import dev.peftbench.engine.hub.HubSettings;
import dev.peftbench.engine.load.DType;
import dev.peftbench.engine.load.SafetensorsWriter;
import dev.peftbench.engine.tokenize.Tokenizer;
import dev.peftbench.serve.repository.ModelState;
import dev.peftbench.serve.repository.ModelStatus;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;

/**
 * Real engines and models for the server's tests: the bundled tiny BLOOM, which answers at once, and two random BLOOMs
 * as wide as bloomz-560m's layers with 8 of them, which answer one token over and over, a few milliseconds each on one
 * thread: a generation of {@value #LONG} tokens outlasts any test's wait, so clients can leave, deadlines pass and
 * shutdowns wait while the engine is really generating. One says a word each time ({@link #talking}); the other says
 * {@code <s>}, a special token a decoded text leaves out, so its streams carry no text ({@link #silent}).
 */
final class TestEngines {

    static final Path SAMPLE = Path.of("..", "sample-data", "models").toAbsolutePath().normalize();
    static final Path TINY_BLOOM = SAMPLE.resolve("tiny-bloom");
    /** max_new_tokens of a generation meant to outlast the test (the engine's limit). */
    static final int LONG = 4096;

    private static final int WIDTH = 512;
    private static final int LAYERS = 8;
    private static final int VOCAB = 520;
    /** {@code <s>} in the bundled tokenizer: skipped when decoding, so the text stays empty. */
    private static final int BOS = 1;
    private static Path talking;
    private static Path silent;

    private TestEngines() {
    }

    /** An engine on one CPU thread whose Hub is offline with an empty cache: a name that is no folder is NOT_FOUND at once. */
    static Engine engine(EngineOptions options) {
        try {
            Path cache = Files.createTempDirectory("peftbench-hub-cache");
            return new Engine(options, new HubSettings(HubSettings.fromEnvironment().endpoint(), null, List.of(cache), true));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Room for 8 waiting requests, batches of 4, prompt chunks of 16 (the slow models warm up quickly so). */
    static Engine engine() {
        return engine(new EngineOptions(8, 4, 1).withMaxPrefillTokens(16));
    }

    /** A slow model that answers the same visible word again and again. */
    static synchronized Path talking() {
        if (talking == null) {
            talking = write("talking", visibleToken());
        }
        return talking;
    }

    /** A slow model that answers {@code <s>} again and again: every token's text is empty. */
    static synchronized Path silent() {
        if (silent == null) {
            silent = write("silent", BOS);
        }
        return silent;
    }

    /** What the server has loaded (or failed to) once no model is LOADING, or after {@code max}. */
    static List<ModelStatus> awaitLoaded(InferenceServer server, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline && server.models().stream().anyMatch(s -> s.state() == ModelState.LOADING)) {
            Thread.sleep(20);
        }
        return server.models();
    }

    /** The text of each token {@link #talking} answers. */
    static String talkingWord() {
        try (Tokenizer tokenizer = Tokenizer.load(TINY_BLOOM)) {
            return tokenizer.decode(new int[] {visibleToken()}, true);
        }
    }

    private static int visibleToken() {
        try (Tokenizer tokenizer = Tokenizer.load(TINY_BLOOM)) {
            return tokenizer.encode("ok")[0];
        }
    }

    /**
     * A random BLOOM whose final layer norm has weight 0 and bias u, and whose embedding row {@code token} is u: every
     * position's logits are the embedding rows' products with u (the head is tied), of which {@code token}'s,
     * |u|^2 = {@value #WIDTH}, is larger by far than the others' (about 0.02 x sqrt(WIDTH) x |u|).
     */
    private static Path write(String name, int token) {
        try {
            Path dir = Files.createTempDirectory("peftbench-" + name + "-model");
            Runtime.getRuntime().addShutdownHook(new Thread(() -> delete(dir)));
            for (String f : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json")) {
                Files.copy(TINY_BLOOM.resolve(f), dir.resolve(f));
            }
            Files.writeString(dir.resolve("config.json"), """
                    {"architectures": ["BloomForCausalLM"], "model_type": "bloom", "vocab_size": %d, "hidden_size": %d,
                     "n_layer": %d, "n_head": 8, "layer_norm_epsilon": 1e-5}""".formatted(VOCAB, WIDTH, LAYERS));
            long h = WIDTH;
            List<SafetensorsWriter.Entry> entries = new ArrayList<>();
            entries.add(new SafetensorsWriter.Entry("word_embeddings.weight", DType.BF16, new long[] {VOCAB, h}));
            for (String n : List.of("word_embeddings_layernorm.weight", "word_embeddings_layernorm.bias", "ln_f.weight", "ln_f.bias")) {
                entries.add(new SafetensorsWriter.Entry(n, DType.BF16, new long[] {h}));
            }
            for (int l = 0; l < LAYERS; l++) {
                String p = "h." + l + ".";
                for (String n : List.of("input_layernorm.weight", "input_layernorm.bias", "post_attention_layernorm.weight",
                        "post_attention_layernorm.bias", "self_attention.dense.bias", "mlp.dense_4h_to_h.bias")) {
                    entries.add(new SafetensorsWriter.Entry(p + n, DType.BF16, new long[] {h}));
                }
                entries.add(new SafetensorsWriter.Entry(p + "self_attention.query_key_value.weight", DType.BF16, new long[] {3 * h, h}));
                entries.add(new SafetensorsWriter.Entry(p + "self_attention.query_key_value.bias", DType.BF16, new long[] {3 * h}));
                entries.add(new SafetensorsWriter.Entry(p + "self_attention.dense.weight", DType.BF16, new long[] {h, h}));
                entries.add(new SafetensorsWriter.Entry(p + "mlp.dense_h_to_4h.weight", DType.BF16, new long[] {4 * h, h}));
                entries.add(new SafetensorsWriter.Entry(p + "mlp.dense_h_to_4h.bias", DType.BF16, new long[] {4 * h}));
                entries.add(new SafetensorsWriter.Entry(p + "mlp.dense_4h_to_h.weight", DType.BF16, new long[] {h, 4 * h}));
            }
            SplittableRandom random = new SplittableRandom(7);
            SafetensorsWriter.write(dir.resolve("model.safetensors"), entries, e -> {
                float[] v = new float[(int) Arrays.stream(e.shape()).reduce(1, (a, b) -> a * b)];
                if (e.name().equals("ln_f.weight")) {
                    return v;
                }
                if (e.name().endsWith("layernorm.weight") || e.name().equals("ln_f.bias")) {
                    Arrays.fill(v, 1f);
                    return v;
                }
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) random.nextGaussian() * 0.02f;
                }
                if (e.name().equals("word_embeddings.weight")) {
                    Arrays.fill(v, token * WIDTH, (token + 1) * WIDTH, 1f);
                }
                return v;
            });
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void delete(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temp folder left behind
        }
    }
}
