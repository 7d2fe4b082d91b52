package dev.peftbench.engine.tensor.djl;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.Device;
import dev.peftbench.engine.GoldenRunner;
import dev.peftbench.engine.Golden;
import dev.peftbench.engine.LoadProgress;
import dev.peftbench.engine.adapter.AdapterLoader;
import dev.peftbench.engine.adapter.LoraAdapter;
import dev.peftbench.engine.adapter.PromptTuningAdapter;
import dev.peftbench.engine.arch.Architectures;
import dev.peftbench.engine.arch.CausalLm;
import dev.peftbench.engine.arch.ForwardRow;
import dev.peftbench.engine.load.WeightSource;
import dev.peftbench.engine.tensor.KvCache;
import dev.peftbench.engine.tensor.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The tiny BLOOM fixture decoding through the DJL backend for a thousand steps per compute type, and tiny-llama (RoPE,
 * grouped KV heads) for two hundred, rotating between the base model, a LoRA adapter and a prompt-tuning prefix: the
 * arrays alive stay the weights plus the open sequence's cache after every step, so native memory stays flat.
 */
class DjlDecodeMemoryTest {

    static final int CAPACITY = 64;

    @ParameterizedTest(name = "{0} {1} {2} steps")
    @CsvSource({"tiny-bloom, FLOAT32, 1000", "tiny-bloom, FLOAT16, 1000", "tiny-llama, FLOAT32, 200", "tiny-llama, FLOAT16, 200"})
    void arraysAliveStayFlatOverManyDecodeSteps(String folder, ComputeType type, int totalSteps) throws IOException {
        Path dir = Golden.folder(folder);
        JsonNode config = new ObjectMapper().readTree(dir.resolve("config.json").toFile());
        DjlTensorOps ops = new DjlTensorOps(Device.CPU, type);
        try (WeightSource weights = WeightSource.open(dir);
             CausalLm model = Architectures.plan(config, dir).load(dir, weights, ops, LoadProgress.NONE)) {
            LoraAdapter lora = (LoraAdapter) AdapterLoader.load(Golden.folder(folder + "-lora"), model);
            Tensor prefix = ((PromptTuningAdapter) AdapterLoader.load(Golden.folder(folder + "-prompt-tuning"), model)).virtualTokens();
            int resident = ops.liveArrays();
            int steps = 0;
            for (int sequence = 0; steps < totalSteps; sequence++) {
                LoraAdapter rowLora = sequence % 3 == 1 ? lora : null;
                try (KvCache cache = model.newCache(CAPACITY)) {
                    ForwardRow prompt = new ForwardRow(cache, new int[] {5, 17, 42, 9}, sequence % 3 == 2 ? prefix : null, rowLora);
                    float[] logits = GoldenRunner.rows(model.forward(List.of(prompt))).getFirst();
                    steps++;
                    while (cache.length() < CAPACITY) {
                        ForwardRow next = new ForwardRow(cache, new int[] {argmax(logits)}, null, rowLora);
                        logits = GoldenRunner.rows(model.forward(List.of(next))).getFirst();
                        steps++;
                        assertEquals(resident + 2, ops.liveArrays(), "arrays alive after step " + steps + " (weights + one cache)");
                    }
                }
                assertEquals(resident, ops.liveArrays(), "arrays alive after sequence " + sequence + " ended");
            }
        }
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
