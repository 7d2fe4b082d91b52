package dev.peftbench.engine.arch;

import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.Golden;
import dev.peftbench.engine.GoldenRunner;
import dev.peftbench.engine.adapter.Adapter;
import dev.peftbench.engine.adapter.LoraAdapter;
import dev.peftbench.engine.adapter.PromptTuningAdapter;
import dev.peftbench.engine.tensor.KvCache;
import dev.peftbench.engine.tensor.Tensor;
import dev.peftbench.engine.tensor.cpu.CpuTensorOps;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A prompt whose first blocks come from the prefix cache gets the logits it gets computed whole: the cached keys and
 * values are the ones its own prefill would write (positions, ALiBi or RoPE, virtual tokens and LoRA included).
 */
class ReusedPrefixTest {

    private static final long SCOPE = 1;

    @ParameterizedTest(name = "{0} + {1}")
    @CsvSource(nullValues = "none", value = {"fixtures, tiny-bloom, none", "fixtures, tiny-bloom, tiny-bloom-lora",
            "fixtures, tiny-bloom, tiny-bloom-prompt-tuning", "fixtures-llama, tiny-llama, none",
            "fixtures-llama, tiny-llama, tiny-llama-lora", "fixtures-llama, tiny-llama, tiny-llama-prompt-tuning"})
    void logitsAfterAReusedPrefixEqualThoseOfTheWholePrompt(String set, String model, String adapterName) {
        Path root = Path.of("src/test/resources").resolve(set);
        CpuTensorOps ops = new CpuTensorOps(ComputeType.FLOAT32, 2);
        ops.keepPrefixBlocks(64L << 20);
        try (CausalLm lm = GoldenRunner.load(root.resolve(model), ops)) {
            Adapter adapter = GoldenRunner.adapter(adapterName == null ? null : root.resolve(adapterName), lm);
            Tensor prefix = adapter instanceof PromptTuningAdapter p ? p.virtualTokens() : null;
            LoraAdapter lora = adapter instanceof LoraAdapter l ? l : null;
            int virtual = prefix == null ? 0 : prefix.rows();
            int[] first = ids(45, 3, lm.vocabSize());
            int[] second = first.clone();
            second[44] = (second[44] + 1) % lm.vocabSize();

            float[] whole = lastLogits(lm, first, prefix, lora, virtual, 0);
            float[] reused = lastLogits(lm, second, prefix, lora, virtual, (virtual + 44) / 16 * 16);
            float[] alone = lastLogits(lm, second, prefix, lora, virtual, -1);

            double error = Golden.relativeL2(reused, 0, toList(alone));
            assertTrue(error <= 1e-6, "relative L2 " + error);
            assertEquals(Golden.argmax(alone, 0, lm.vocabSize()), Golden.argmax(reused, 0, lm.vocabSize()));
            assertTrue(Golden.relativeL2(whole, 0, toList(alone)) > 1e-3, "the last id changes the logits");
        }
    }

    /**
     * The last position's logits of {@code ids} after the virtual tokens, the prompt looked up in the prefix cache
     * first; {@code expectReused} positions found there ({@code -1}: not looked up, the prompt computed whole).
     */
    private static float[] lastLogits(CausalLm lm, int[] ids, Tensor prefix, LoraAdapter lora, int virtual, int expectReused) {
        try (KvCache cache = lm.newCache(virtual + ids.length)) {
            int reused = 0;
            if (expectReused >= 0) {
                reused = cache.reusePrefix(SCOPE, KvCache.inputKeys(virtual, ids));
                assertEquals(expectReused, reused, "positions reused");
            }
            Logits logits = lm.forward(List.of(ForwardRow.prefillChunk(cache, ids, prefix, lora, reused, virtual + ids.length)));
            return GoldenRunner.rows(logits).getFirst();
        }
    }

    private static int[] ids(int n, int seed, int vocab) {
        int[] ids = new int[n];
        for (int i = 0; i < n; i++) {
            ids[i] = (seed + 37 * i * i + 11 * i) % Math.min(vocab, 300);
        }
        return ids;
    }

    private static List<Float> toList(float[] values) {
        List<Float> list = new java.util.ArrayList<>(values.length);
        for (float v : values) {
            list.add(v);
        }
        return list;
    }
}
