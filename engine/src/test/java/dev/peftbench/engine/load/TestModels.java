package dev.peftbench.engine.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/** Writes small random BLOOM snapshots for tests that need a model of another shape. */
public final class TestModels {

    private TestModels() {
    }

    /** A 1-layer BLOOM with {@code hidden} units and the fixtures' tokenizer. */
    public static void writeTinyBloom(Path dir, int hidden) throws IOException {
        Path fixture = Path.of("src/test/resources/fixtures/tiny-bloom");
        Files.copy(fixture.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        Files.writeString(dir.resolve("config.json"), """
                {"architectures": ["BloomForCausalLM"], "model_type": "bloom", "vocab_size": 520,
                 "hidden_size": %d, "n_layer": 1, "n_head": 4, "layer_norm_epsilon": 1e-5}""".formatted(hidden));
        long h = hidden;
        List<SafetensorsWriter.Entry> entries = new ArrayList<>();
        entries.add(new SafetensorsWriter.Entry("word_embeddings.weight", DType.F32, new long[] {520, h}));
        for (String n : List.of("word_embeddings_layernorm.weight", "word_embeddings_layernorm.bias", "ln_f.weight", "ln_f.bias",
                "h.0.input_layernorm.weight", "h.0.input_layernorm.bias", "h.0.post_attention_layernorm.weight",
                "h.0.post_attention_layernorm.bias", "h.0.self_attention.dense.bias", "h.0.mlp.dense_4h_to_h.bias")) {
            entries.add(new SafetensorsWriter.Entry(n, DType.F32, new long[] {h}));
        }
        entries.add(new SafetensorsWriter.Entry("h.0.self_attention.query_key_value.weight", DType.F32, new long[] {3 * h, h}));
        entries.add(new SafetensorsWriter.Entry("h.0.self_attention.query_key_value.bias", DType.F32, new long[] {3 * h}));
        entries.add(new SafetensorsWriter.Entry("h.0.self_attention.dense.weight", DType.F32, new long[] {h, h}));
        entries.add(new SafetensorsWriter.Entry("h.0.mlp.dense_h_to_4h.weight", DType.F32, new long[] {4 * h, h}));
        entries.add(new SafetensorsWriter.Entry("h.0.mlp.dense_h_to_4h.bias", DType.F32, new long[] {4 * h}));
        entries.add(new SafetensorsWriter.Entry("h.0.mlp.dense_4h_to_h.weight", DType.F32, new long[] {h, 4 * h}));
        SplittableRandom random = new SplittableRandom(7);
        SafetensorsWriter.write(dir.resolve("model.safetensors"), entries, e -> {
            long n = 1;
            for (long d : e.shape()) {
                n *= d;
            }
            float[] v = new float[(int) n];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) random.nextGaussian() * 0.02f;
            }
            return v;
        });
    }
}
