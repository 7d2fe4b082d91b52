package dev.peftbench.engine.arch.llama;

import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.Device;
import dev.peftbench.engine.Golden;
import dev.peftbench.engine.arch.CausalLm;
import dev.peftbench.engine.load.DType;
import dev.peftbench.engine.load.SafetensorsWriter;
import dev.peftbench.engine.load.TensorInfo;
import dev.peftbench.engine.load.TorchBinWriter;
import dev.peftbench.engine.load.WeightSource;
import dev.peftbench.engine.tensor.djl.DjlTensorOps;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static dev.peftbench.engine.GoldenRunner.FLOAT32_TOLERANCE;
import static dev.peftbench.engine.GoldenRunner.adapter;
import static dev.peftbench.engine.GoldenRunner.firstStepWithinReducedTolerance;
import static dev.peftbench.engine.GoldenRunner.load;
import static dev.peftbench.engine.GoldenRunner.runTeacherForced;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Llama, Mistral, Qwen2 and Qwen3 against the float64 reference (fixtures-llama): every plain-prompt golden on
 * every weight format holding its numbers (safetensors, sharded, and a torch .bin copy written here), with its
 * LoRA or prompt-tuning adapter, all rows of a case in one batch (rows of different lengths, rows retiring
 * early), teacher-forced with the golden ids; on both backends.
 */
class LlamaModelGoldenTest {

    /** tiny-llama's numbers in torch's .bin format, and rounded to float16 storage. */
    private static final String BIN = "tiny-llama-bin";
    private static final String F16 = "tiny-llama-f16";

    @TempDir
    static Path written;

    @BeforeAll
    static void writeOtherFormats() throws IOException {
        Path source = Golden.folder("tiny-llama");
        for (String copy : List.of(BIN, F16)) {
            Path dir = Files.createDirectories(written.resolve(copy));
            try (Stream<Path> files = Files.list(source)) {
                for (Path f : files.filter(f -> !f.getFileName().toString().endsWith(".safetensors")).toList()) {
                    Files.copy(f, dir.resolve(f.getFileName()));
                }
            }
        }
        try (WeightSource weights = WeightSource.open(source)) {
            TorchBinWriter.write(weights, written.resolve(BIN).resolve("pytorch_model.bin"));
            List<SafetensorsWriter.Entry> entries = new ArrayList<>();
            for (String name : weights.names()) {
                TensorInfo info = weights.info(name);
                entries.add(new SafetensorsWriter.Entry(name, DType.F16, info.shape()));
            }
            SafetensorsWriter.write(written.resolve(F16).resolve("model.safetensors"), entries, e -> weights.readFloats(e.name()));
        }
    }

    private static Path folder(String name) {
        return name.equals(BIN) || name.equals(F16) ? written.resolve(name) : Golden.folder(name);
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        Golden.llamaNames().forEach(name -> {
            Golden g = Golden.read(name);
            for (String folder : g.sameWeightsAs()) {
                cases.add(Arguments.of(name, folder));
            }
            if (g.model().equals("tiny-llama")) {
                cases.add(Arguments.of(name, BIN));
            }
        });
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} on {1}")
    @MethodSource("cases")
    void batchedForwardMatchesReferenceLogitsAndGreedyIds(String name, String folder) {
        Golden g = Golden.read(name);
        try (CausalLm model = load(folder(folder), ComputeType.FLOAT32)) {
            assertEquals(0, runTeacherForced(g, model, adapter(g.adapterDir(), model), FLOAT32_TOLERANCE, true));
        }
    }

    /** The same architecture code over PyTorch (DJL) in float32 on the CPU gives the same numbers. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.peftbench.engine.Golden#llamaNames")
    void djlBackendMatchesTheReferenceToo(String name) {
        Golden g = Golden.read(name);
        try (CausalLm model = load(g.modelDir(), new DjlTensorOps(Device.CPU, ComputeType.FLOAT32))) {
            assertEquals(0, runTeacherForced(g, model, adapter(g.adapterDir(), model), FLOAT32_TOLERANCE, true));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.peftbench.engine.Golden#llamaNames")
    void djlFloat16StaysWithinReducedPrecisionTolerance(String name) {
        Golden g = Golden.read(name);
        try (CausalLm model = load(g.modelDir(), new DjlTensorOps(Device.CPU, ComputeType.FLOAT16))) {
            firstStepWithinReducedTolerance(g, model, adapter(g.adapterDir(), model));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.peftbench.engine.Golden#llamaNames")
    void bfloat16ComputeKeepsTheFirstStepWithinReducedPrecisionTolerance(String name) {
        Golden g = Golden.read(name);
        try (CausalLm model = load(g.modelDir(), ComputeType.BFLOAT16)) {
            firstStepWithinReducedTolerance(g, model, adapter(g.adapterDir(), model));
        }
    }

    /** A bfloat16 checkpoint computed on its stored values is as exact as float32 (its golden is of the rounded weights). */
    @Test
    void bfloat16WeightsRunExactlyInBfloat16Compute() {
        Golden g = Golden.read("llama-bf16-base");
        try (CausalLm model = load(g.modelDir(), ComputeType.BFLOAT16)) {
            assertEquals(0, runTeacherForced(g, model, null, FLOAT32_TOLERANCE, true));
        }
    }

    /** float16 storage rounds the weights, so the model differs slightly: the reduced-precision bar, in float32 compute. */
    @Test
    void float16WeightsStayWithinReducedPrecisionTolerance() {
        for (String name : List.of("llama-seed-base", "llama-seed-lora", "llama-batch-prompt-tuning")) {
            Golden g = Golden.read(name);
            try (CausalLm model = load(folder(F16), ComputeType.FLOAT32)) {
                firstStepWithinReducedTolerance(g, model, adapter(g.adapterDir(), model));
            }
        }
    }
}
