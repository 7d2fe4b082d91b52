package dev.peftbench.serve.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.load.DType;
import dev.peftbench.engine.load.SafetensorsWriter;
import dev.peftbench.serve.BundledSample;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code peftbench make-random-model}: a BLOOM snapshot with random weights in a real model's shape,
 * for benchmarks without downloading it (weights normal with std 0.02, layer norms at 1 / 0, as
 * BloomPreTrainedModel._init_weights). The tokenizer is the bundled sample's: its ids are valid in any
 * larger vocabulary, which is all a benchmark needs.
 */
@Command(name = "make-random-model", mixinStandardHelpOptions = true,
        description = "Write a random-weight BLOOM snapshot shaped like a real model (for bench).")
public final class MakeRandomModelCommand implements Callable<Integer> {

    /** A model shape to imitate. */
    record Shape(int vocab, int hidden, int layers, int heads) {
        Shape {
            if (vocab < 1 || hidden < 1 || layers < 1 || heads < 1 || hidden % heads != 0) {
                throw new IllegalArgumentException("vocab, hidden, layers, heads must be positive and hidden divisible by heads");
            }
        }
    }

    /** bigscience/bloomz-560m's config.json. */
    static final Shape BLOOMZ_560M = new Shape(250880, 1024, 24, 16);

    @Option(names = "--like", description = "Shape to imitate: bloomz-560m (default).")
    String like = "bloomz-560m";
    @Option(names = "--dtype", description = "Stored weight type: float32 (default), bfloat16 or float16.")
    String dtype = "float32";
    @Option(names = "--out", required = true, description = "Folder to create.")
    Path out;
    @Option(names = "--seed", description = "Random seed (default 0).")
    long seed;
    @Option(names = "--layers", description = "Override the layer count (smaller models for tests).")
    Integer layers;
    @Option(names = "--vocab", hidden = true, description = "Override the vocabulary size (tests).")
    Integer vocab;
    @Option(names = "--hidden", hidden = true, description = "Override the hidden size (tests).")
    Integer hidden;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        if (!like.equals("bloomz-560m")) {
            throw new IllegalArgumentException("--like " + like + " is not known; supported: bloomz-560m");
        }
        DType stored = switch (ComputeType.parse(dtype)) {
            case FLOAT32 -> DType.F32;
            case BFLOAT16 -> DType.BF16;
            case FLOAT16 -> DType.F16;
            case INT8 -> throw new IllegalArgumentException("checkpoints are stored in float32, bfloat16 or float16; "
                    + "int8 is a compute type (--dtype int8 quantizes any of them at load)");
        };
        Shape shape = new Shape(vocab == null ? BLOOMZ_560M.vocab() : vocab, hidden == null ? BLOOMZ_560M.hidden() : hidden,
                layers == null ? BLOOMZ_560M.layers() : layers, BLOOMZ_560M.heads());
        Path sample = BundledSample.folder().resolve(BundledSample.MODEL);
        if (!Files.isRegularFile(sample.resolve("tokenizer.json"))) {
            throw new IllegalArgumentException("the bundled sample tokenizer is missing at " + sample);
        }
        Files.createDirectories(out);
        PrintWriter err = spec.commandLine().getErr();
        writeConfig(shape, stored);
        for (String f : List.of("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "generation_config.json")) {
            if (Files.isRegularFile(sample.resolve(f))) {
                Files.copy(sample.resolve(f), out.resolve(f), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        List<SafetensorsWriter.Entry> entries = entries(shape, stored);
        SplittableRandom random = new SplittableRandom(seed);
        int[] written = {0};
        SafetensorsWriter.write(out.resolve("model.safetensors"), entries, e -> {
            float[] v = new float[Math.toIntExact(e.shape()[0] * (e.shape().length > 1 ? e.shape()[1] : 1))];
            if (e.name().endsWith("layernorm.weight") || e.name().equals("ln_f.weight")) {
                java.util.Arrays.fill(v, 1f);
            } else if (e.shape().length == 2) {
                for (int i = 0; i < v.length; i++) {
                    v[i] = (float) (random.nextGaussian() * 0.02);
                }
            }
            if (++written[0] % 16 == 0 || written[0] == entries.size()) {
                err.printf("make-random-model: %d / %d tensors%n", written[0], entries.size());
                err.flush();
            }
            return v;
        });
        err.println("make-random-model: wrote " + out);
        return 0;
    }

    private void writeConfig(Shape s, DType stored) throws IOException {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.putArray("architectures").add("BloomForCausalLM");
        c.put("model_type", "bloom");
        c.put("vocab_size", s.vocab());
        c.put("hidden_size", s.hidden());
        c.put("n_layer", s.layers());
        c.put("n_head", s.heads());
        c.put("layer_norm_epsilon", 1e-5);
        c.put("apply_residual_connection_post_layernorm", false);
        c.put("bos_token_id", 1);
        c.put("eos_token_id", 2);
        c.put("pad_token_id", 3);
        c.put("torch_dtype", switch (stored) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
        });
        Files.writeString(out.resolve("config.json"), c.toPrettyString());
    }

    /** Names as bigscience stores them (no {@code transformer.} prefix). */
    static List<SafetensorsWriter.Entry> entries(Shape s, DType t) {
        long h = s.hidden();
        List<SafetensorsWriter.Entry> e = new ArrayList<>();
        e.add(new SafetensorsWriter.Entry("word_embeddings.weight", t, new long[] {s.vocab(), h}));
        e.add(new SafetensorsWriter.Entry("word_embeddings_layernorm.weight", t, new long[] {h}));
        e.add(new SafetensorsWriter.Entry("word_embeddings_layernorm.bias", t, new long[] {h}));
        for (int i = 0; i < s.layers(); i++) {
            String p = "h." + i + ".";
            e.add(new SafetensorsWriter.Entry(p + "input_layernorm.weight", t, new long[] {h}));
            e.add(new SafetensorsWriter.Entry(p + "input_layernorm.bias", t, new long[] {h}));
            e.add(new SafetensorsWriter.Entry(p + "self_attention.query_key_value.weight", t, new long[] {3 * h, h}));
            e.add(new SafetensorsWriter.Entry(p + "self_attention.query_key_value.bias", t, new long[] {3 * h}));
            e.add(new SafetensorsWriter.Entry(p + "self_attention.dense.weight", t, new long[] {h, h}));
            e.add(new SafetensorsWriter.Entry(p + "self_attention.dense.bias", t, new long[] {h}));
            e.add(new SafetensorsWriter.Entry(p + "post_attention_layernorm.weight", t, new long[] {h}));
            e.add(new SafetensorsWriter.Entry(p + "post_attention_layernorm.bias", t, new long[] {h}));
            e.add(new SafetensorsWriter.Entry(p + "mlp.dense_h_to_4h.weight", t, new long[] {4 * h, h}));
            e.add(new SafetensorsWriter.Entry(p + "mlp.dense_h_to_4h.bias", t, new long[] {4 * h}));
            e.add(new SafetensorsWriter.Entry(p + "mlp.dense_4h_to_h.weight", t, new long[] {h, 4 * h}));
            e.add(new SafetensorsWriter.Entry(p + "mlp.dense_4h_to_h.bias", t, new long[] {h}));
        }
        e.add(new SafetensorsWriter.Entry("ln_f.weight", t, new long[] {h}));
        e.add(new SafetensorsWriter.Entry("ln_f.bias", t, new long[] {h}));
        return e;
    }
}
