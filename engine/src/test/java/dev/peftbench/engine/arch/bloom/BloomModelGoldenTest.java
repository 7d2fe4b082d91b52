package dev.peftbench.engine.arch.bloom;

import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.Device;
import dev.peftbench.engine.Golden;
import dev.peftbench.engine.arch.CausalLm;
import dev.peftbench.engine.tensor.djl.DjlTensorOps;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

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
 * The BLOOM forward pass against the float64 reference: every golden case, on every weight format
 * that holds its numbers, with the .safetensors and the .bin adapter, all rows of a case in one batch
 * (rows of different lengths, rows retiring early), teacher-forced with the golden ids.
 */
class BloomModelGoldenTest {

    /** The same architecture code over PyTorch (DJL) gives the same numbers: the backends cross-check. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.peftbench.engine.Golden#names")
    void djlBackendMatchesTheReferenceToo(String name) {
        Golden g = Golden.read(name);
        try (CausalLm model = load(g.modelDir(), new DjlTensorOps(Device.CPU, ComputeType.FLOAT32))) {
            assertEquals(0, runTeacherForced(g, model, adapter(g.adapterDir(), model), FLOAT32_TOLERANCE, true));
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.peftbench.engine.Golden#names")
    void djlFloat16StaysWithinReducedPrecisionTolerance(String name) {
        Golden g = Golden.read(name);
        try (CausalLm model = load(g.modelDir(), new DjlTensorOps(Device.CPU, ComputeType.FLOAT16))) {
            firstStepWithinReducedTolerance(g, model, adapter(g.adapterDir(), model));
        }
    }

    static Stream<Arguments> cases() {
        List<Arguments> cases = new ArrayList<>();
        Golden.names().forEach(name -> {
            Golden g = Golden.read(name);
            for (String folder : g.sameWeightsAs()) {
                cases.add(Arguments.of(name, folder, g.adapter()));
                if (g.adapterBinCopy() != null) {
                    cases.add(Arguments.of(name, folder, g.adapterBinCopy()));
                }
            }
        });
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} on {1} with {2}")
    @MethodSource("cases")
    void batchedForwardMatchesReferenceLogitsAndGreedyIds(String name, String folder, String adapterFolder) {
        Golden g = Golden.read(name);
        try (CausalLm model = load(Golden.folder(folder), ComputeType.FLOAT32)) {
            int worst = runTeacherForced(g, model, adapter(adapterFolder == null ? null : Golden.folder(adapterFolder), model),
                    FLOAT32_TOLERANCE, true);
            assertEquals(0, worst, "every greedy id must equal the reference");
        }
    }

    /**
     * Rounding a float32 checkpoint to bfloat16 changes the model itself; the README's reduced-precision bar
     * applies to the first step: logits within 3e-2 and the same first id.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.peftbench.engine.Golden#names")
    void bfloat16ComputeKeepsTheFirstStepWithinReducedPrecisionTolerance(String name) {
        Golden g = Golden.read(name);
        try (CausalLm model = load(g.modelDir(), ComputeType.BFLOAT16)) {
            firstStepWithinReducedTolerance(g, model, adapter(g.adapterDir(), model));
        }
    }

    /** A bfloat16 checkpoint computed on its stored values (widened in registers) is as exact as float32. */
    @Test
    void bfloat16WeightsRunExactlyInBfloat16Compute() {
        Golden g = Golden.read("bf16-weights-base");
        try (CausalLm model = load(g.modelDir(), ComputeType.BFLOAT16)) {
            assertEquals(0, runTeacherForced(g, model, null, FLOAT32_TOLERANCE, true));
        }
    }
}
