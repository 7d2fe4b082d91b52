package dev.peftbench.engine.tensor.cpu;

import dev.peftbench.engine.ComputeType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;

class KernelWarmUpTest {

    /** Every operation the warm-up drives accepts its made-up shapes (a failure here would only be logged in production). */
    @ParameterizedTest
    @EnumSource(value = ComputeType.class, names = {"FLOAT32", "BFLOAT16", "INT8", "Q4"})
    void exercisesEveryKernelWithoutError(ComputeType type) {
        assertDoesNotThrow(() -> KernelWarmUp.exercise(type, 11));
    }
}
