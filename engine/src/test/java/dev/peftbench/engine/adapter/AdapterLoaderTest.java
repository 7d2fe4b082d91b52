package dev.peftbench.engine.adapter;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.Golden;
import dev.peftbench.engine.GoldenRunner;
import dev.peftbench.engine.arch.CausalLm;
import dev.peftbench.engine.arch.ForwardRow;
import dev.peftbench.engine.load.SafetensorsWriter;
import dev.peftbench.engine.load.TensorInfo;
import dev.peftbench.engine.load.WeightSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One LoRA loader for every family: its table of target modules, rsLoRA's scale, and options it refuses by name. */
class AdapterLoaderTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static CausalLm llama;
    private static CausalLm bloom;

    @BeforeAll
    static void loadModels() {
        llama = GoldenRunner.load(Golden.folder("tiny-llama"), ComputeType.FLOAT32);
        bloom = GoldenRunner.load(Golden.folder("tiny-bloom"), ComputeType.FLOAT32);
    }

    @AfterAll
    static void close() {
        llama.close();
        bloom.close();
    }

    /** A copy of {@code adapter} whose adapter_config.json has {@code key} set to {@code value} (JSON). */
    private static Path withConfig(Path dir, String adapter, String key, String value) throws IOException {
        Path source = Golden.folder(adapter);
        Files.copy(source.resolve("adapter_model.safetensors"), dir.resolve("adapter_model.safetensors"));
        ObjectNode config = (ObjectNode) JSON.readTree(source.resolve("adapter_config.json").toFile());
        config.set(key, JSON.readTree(value));
        Files.writeString(dir.resolve("adapter_config.json"), config.toPrettyString());
        return dir;
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "use_dora            | true                     | DoRA (use_dora)",
            "modules_to_save     | [\"lm_head\"]            | modules_to_save",
            "lora_bias           | true                     | a bias on lora_B (lora_bias)",
            "layer_replication   | [[0, 2], [1, 2]]         | layer_replication",
            "target_parameters   | [\"mlp.experts\"]        | target_parameters",
            "fan_in_fan_out      | true                     | fan_in_fan_out",
            "rank_pattern        | {\"q_proj\": 8}          | rank_pattern",
            "bias                | \"all\"                  | LoRA bias 'all'",
            "target_modules      | [\"q_proj\", \"embed_tokens\"] | LoRA target module 'embed_tokens' is not supported on LlamaForCausalLM; "
                    + "supported target modules: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj"})
    void optionsTheEngineDoesNotComputeAreRefusedByName(String key, String value, String message, @TempDir Path dir) throws IOException {
        EngineException e = assertThrows(EngineException.class, () -> AdapterLoader.load(withConfig(dir, "tiny-llama-lora", key, value), llama));
        assertEquals(EngineException.Kind.LOAD_FAILED, e.kind());
        assertTrue(e.getMessage().contains(message), e.getMessage());
    }

    /** BLOOM's table names its own projections: a Llama adapter's modules are not among them, a mismatch of families. */
    @Test
    void eachFamilyHasItsOwnTableOfTargetModules() {
        EngineException e = assertThrows(EngineException.class, () -> AdapterLoader.load(Golden.folder("tiny-llama-lora"), bloom));
        assertTrue(e.getMessage().contains("was trained for another base model than ")
                && e.getMessage().contains("its LoRA target modules [q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj] are "
                + "no projections of BloomForCausalLM, whose target modules are query_key_value, dense, dense_h_to_4h, dense_4h_to_h"),
                e.getMessage());
        LoraAdapter bloomLora = (LoraAdapter) AdapterLoader.load(Golden.folder("tiny-bloom-lora"), bloom);
        assertTrue(bloomLora.moduleCount() > 0);
    }

    /** peft matches a string target_modules as a regular expression over module paths: the tensors say what it chose. */
    @Test
    void aPatternOfTargetModulesIsCheckedThroughItsTensors(@TempDir Path dir) throws IOException {
        LoraAdapter lora = (LoraAdapter) AdapterLoader.load(withConfig(dir, "tiny-llama-lora", "target_modules",
                "\".*\\\\.(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)\""), llama);
        assertEquals(14, lora.moduleCount());
        assertEquals(".*\\.(q_proj|k_proj|v_proj|o_proj|gate_proj|up_proj|down_proj)", lora.info().settings().get("target_modules"));
    }

    /** A tensor that adapts nothing in the table (here an embedding LoRA) is refused by its name, not skipped. */
    @Test
    void aTensorOutsideTheTableIsRefusedWithItsName(@TempDir Path dir) throws IOException {
        withConfig(dir, "tiny-llama-lora", "r", "4");
        Path file = dir.resolve("adapter_model.safetensors");
        try (WeightSource source = WeightSource.open(Golden.folder("tiny-llama-lora"))) {
            List<SafetensorsWriter.Entry> entries = new ArrayList<>();
            for (String name : source.names()) {
                TensorInfo info = source.info(name);
                entries.add(new SafetensorsWriter.Entry(name.replace("layers.1.mlp.down_proj", "embed_tokens"), info.dtype(), info.shape()));
            }
            Files.delete(file);
            SafetensorsWriter.write(file, entries, entry -> new float[Math.toIntExact(entry.shape()[0] * entry.shape()[1])]);
        }
        EngineException e = assertThrows(EngineException.class, () -> AdapterLoader.load(dir, llama));
        assertTrue(e.getMessage().contains("base_model.model.model.embed_tokens.lora_A.weight")
                && e.getMessage().contains("does not adapt a projection of LlamaForCausalLM"), e.getMessage());
    }

    /** peft's rsLoRA scales by lora_alpha / sqrt(r): alpha 8 at r 4 is the plain scale of alpha 16 (16 / 4 = 8 / sqrt(4)). */
    @Test
    void rsLoraScalesByTheSquareRootOfTheRank(@TempDir Path dir) throws IOException {
        Path rs = Files.createDirectories(dir.resolve("rs"));
        Path plain = Files.createDirectories(dir.resolve("plain"));
        LoraAdapter rsLora = (LoraAdapter) AdapterLoader.load(withConfig(rs, "tiny-llama-lora", "use_rslora", "true"), llama);
        LoraAdapter doubled = (LoraAdapter) AdapterLoader.load(withConfig(plain, "tiny-llama-lora", "lora_alpha", "16"), llama);
        assertEquals(4f, rsLora.scale());
        assertEquals(4f, rsLora.info().settings().get("scaling"));
        int[] prompt = Golden.read("llama-seed-lora").rows().getFirst().promptIds();
        float[] a = logits(prompt, rsLora);
        assertArrayEquals(logits(prompt, doubled), a);
        LoraAdapter usual = (LoraAdapter) AdapterLoader.load(Golden.folder("tiny-llama-lora"), llama);
        assertTrue(Golden.relativeL2(logits(prompt, usual), 0, toList(a)) > 1e-3, "scale 4 differs from the fixture's scale 2");
    }

    private static float[] logits(int[] prompt, LoraAdapter lora) {
        return GoldenRunner.rows(llama.forward(List.of(new ForwardRow(llama.newCache(prompt.length), prompt, null, lora)))).getFirst();
    }

    private static List<Float> toList(float[] values) {
        List<Float> out = new ArrayList<>(values.length);
        for (float v : values) {
            out.add(v);
        }
        return out;
    }
}
