package dev.peftbench.engine.tensor.djl;

import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.Device;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * PyTorch runs with the environment chosen for it however the JVM was started (this test's JVM is started
 * with none of it): the engine sets it natively before DJL loads PyTorch, leaving what the user set.
 */
class PyTorchEnvironmentTest {

    @Test
    void pyTorchFindsTheChosenEnvironmentUnlessTheUserSetItsOwn() {
        new DjlTensorOps(Device.CPU, ComputeType.FLOAT32).close();
        assertEquals(Map.of("MKL_CBWR", "COMPATIBLE", "ATEN_CPU_CAPABILITY", "avx2"), PyTorchEnvironment.SETTINGS);
        boolean avx2 = PyTorchEnvironment.cpuFlags().containsAll(java.util.Set.of("avx2", "fma"));
        for (Map.Entry<String, String> e : PyTorchEnvironment.SETTINGS.entrySet()) {
            if (e.getKey().equals("ATEN_CPU_CAPABILITY") && !avx2) {
                continue;
            }
            String users = System.getenv(e.getKey());
            assertEquals(Optional.of(users != null ? users : e.getValue()), PyTorchEnvironment.get(e.getKey()), e.getKey());
        }
    }
}
