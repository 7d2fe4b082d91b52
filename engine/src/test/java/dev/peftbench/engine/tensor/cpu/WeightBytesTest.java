package dev.peftbench.engine.tensor.cpu;

import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.Golden;
import dev.peftbench.engine.GoldenRunner;
import dev.peftbench.engine.arch.CausalLm;
import dev.peftbench.engine.load.WeightSource;
import org.junit.jupiter.api.Test;

import java.util.EnumMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The bytes a decode step streams ({@code TensorOps.weightBytes}) follow the storage type and leave adapters out. */
class WeightBytesTest {

    @Test
    void weightBytesFollowTheStorageTypeAndLeaveAdaptersAndLookupTablesOut() throws Exception {
        Map<ComputeType, Long> bytes = new EnumMap<>(ComputeType.class);
        for (ComputeType type : new ComputeType[] {ComputeType.FLOAT32, ComputeType.BFLOAT16, ComputeType.INT8, ComputeType.Q4}) {
            try (CausalLm model = GoldenRunner.load(Golden.folder("tiny-bloom"), new CpuTensorOps(type, 1, false))) {
                long loaded = model.ops().weightBytes();
                GoldenRunner.adapter(Golden.folder("tiny-bloom-lora"), model);
                GoldenRunner.adapter(Golden.folder("tiny-bloom-prompt-tuning"), model);
                assertEquals(loaded, model.ops().weightBytes(), type + ": adapters are not base weights");
                bytes.put(type, loaded);
            }
        }
        // Norms and biases stay float32; every matrix (tiny-bloom's tied lm_head once, not its embedding lookups)
        // halves in bfloat16.
        long vectors = 0;
        try (WeightSource w = WeightSource.open(Golden.folder("tiny-bloom"))) {
            for (String name : w.names()) {
                if (w.info(name).shape().length == 1) {
                    vectors += 4 * w.info(name).elementCount();
                }
            }
        }
        assertEquals((bytes.get(ComputeType.FLOAT32) - vectors) / 2 + vectors, bytes.get(ComputeType.BFLOAT16), bytes.toString());
        assertTrue(bytes.get(ComputeType.Q4) < bytes.get(ComputeType.INT8) && bytes.get(ComputeType.INT8) < bytes.get(ComputeType.BFLOAT16),
                bytes.toString());
    }
}
