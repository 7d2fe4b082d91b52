package dev.peftbench.cli;

import dev.peftbench.contract.BundledSample;
import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.load.DType;
import dev.peftbench.engine.load.SafetensorsWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;


import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.Callable;

/**
 * {@code peftbench make-random-model}: a snapshot with random weights in a real model's shape (BLOOM,
 * Qwen2, Llama, Qwen3), for benchmarks without downloading it: matrices normal with std 0.02, norm scales
 * 1, other vectors 0, as the families' _init_weights. The tokenizer is the bundled sample's padded to the
 * model's vocabulary, with the family's class and special tokens ({@link RandomModelTokenizer}), so every
 * id the model generates decodes to text and generation stops at an eos the tokenizer has.
 */
@Command(name = "make-random-model", mixinStandardHelpOptions = true,
        description = "Write a random-weight snapshot shaped like a real model (for bench).")
public final class MakeRandomModelCommand implements Callable<Integer> {

    @Option(names = "--like", description = "Shape to imitate: bloomz-560m (default), qwen2.5-0.5b, llama-3.2-1b, qwen3-0.6b.")
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

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        RandomModelShape known = RandomModelShape.KNOWN.get(like);
        if (known == null) {
            throw new IllegalArgumentException("--like " + like + " is not known; supported: "
                    + String.join(", ", new TreeSet<>(RandomModelShape.KNOWN.keySet())));
        }
        if ((layers != null && layers < 1) || (vocab != null && vocab < 1)) {
            throw new IllegalArgumentException("--layers and --vocab must be >= 1");
        }
        DType stored = switch (ComputeType.parse(dtype)) {
            case FLOAT32 -> DType.F32;
            case BFLOAT16 -> DType.BF16;
            case FLOAT16 -> DType.F16;
            case INT8, Q4 -> throw new IllegalArgumentException("checkpoints are stored in float32, bfloat16 or float16; "
                    + "int8 and q4 are compute types (--dtype int8 or q4 quantizes any of them at load)");
        };
        RandomModelShape shape = known.resized(layers, vocab);
        Path sample = BundledSample.folder().resolve(BundledSample.MODEL);
        if (!Files.isRegularFile(sample.resolve("tokenizer.json"))) {
            throw new IllegalArgumentException("the bundled sample tokenizer is missing at " + sample);
        }
        Files.createDirectories(out);
        PrintWriter err = spec.commandLine().getErr();
        RandomModelTokenizer.write(sample, shape, out);
        Files.writeString(out.resolve("config.json"), shape.config(stored).toPrettyString());
        // The eos ids come from config.json (generation_config.json would be the sample's, BLOOM's).
        Files.deleteIfExists(out.resolve("generation_config.json"));
        List<SafetensorsWriter.Entry> entries = shape.entries(stored);
        SplittableRandom random = new SplittableRandom(seed);
        int[] written = {0};
        SafetensorsWriter.write(out.resolve("model.safetensors"), entries, e -> {
            float[] v = new float[Math.toIntExact(e.shape()[0] * (e.shape().length > 1 ? e.shape()[1] : 1))];
            if (shape.isNormScale(e.name())) {
                Arrays.fill(v, 1f);
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
}
