package dev.peftbench.engine.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.engine.Golden;
import dev.peftbench.engine.adapter.LoraTargets;
import dev.peftbench.engine.arch.Architectures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The written adapter is what peft 0.20's {@code save_pretrained} writes: the config's fields and JSON layout, and
 * the safetensors file's names, shapes, dtypes and header layout; and it agrees, field by field and tensor by
 * tensor, with the adapters an earlier peft wrote for the fixtures.
 */
class PeftAdapterFilesTest {

    /** {@code sorted(LoraConfig().to_dict())} in peft 0.20.0. */
    static final List<String> LORA_FIELDS = List.of("alora_invocation_tokens", "alpha_pattern", "arrow_config", "auto_mapping",
            "base_model_name_or_path", "bias", "corda_config", "ensure_weight_tying", "eva_config", "exclude_modules",
            "fan_in_fan_out", "inference_mode", "init_lora_weights", "layer_replication", "layers_pattern", "layers_to_transform",
            "loftq_config", "lora_alpha", "lora_bias", "lora_dropout", "lora_ga_config", "megatron_config", "megatron_core",
            "modules_to_save", "monteclora_config", "peft_type", "peft_version", "qalora_group_size", "r", "rank_pattern",
            "revision", "target_modules", "target_parameters", "task_type", "trainable_token_indices", "use_bdlora", "use_dora",
            "use_qalora", "use_rslora", "velora_config");
    /** {@code sorted(PromptTuningConfig().to_dict())} in peft 0.20.0. */
    static final List<String> PROMPT_TUNING_FIELDS = List.of("auto_mapping", "base_model_name_or_path", "inference_mode",
            "modules_to_save", "num_attention_heads", "num_layers", "num_transformer_submodules", "num_virtual_tokens", "peft_type",
            "peft_version", "prompt_tuning_init", "prompt_tuning_init_text", "revision", "task_type", "token_dim", "tokenizer_kwargs",
            "tokenizer_name_or_path");

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    private static JsonNode config(String model) throws IOException {
        return JSON.readTree(Golden.folder(model).resolve("config.json").toFile());
    }

    private static LoraTargets targets(String model) throws IOException {
        return Architectures.plan(config(model), Golden.folder(model)).loraTargets();
    }

    private static List<String> fields(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void loraConfigIsJsonDumpsOfPeftsFieldsSortedAndIndented() throws IOException {
        LoraParameters lora = LoraParameters.fresh(targets("tiny-bloom"), List.of(0), 4, 8, false, 0.05, new SplittableRandom(1));
        PeftAdapterFiles.write(tmp, lora, "bigscience/bloomz-560m");
        String text = Files.readString(tmp.resolve(PeftAdapterFiles.CONFIG));
        assertTrue(text.startsWith("{\n  \"alora_invocation_tokens\": null,\n  \"alpha_pattern\": {},\n"), text);
        assertTrue(text.contains("\n  \"target_modules\": [\n    \"query_key_value\"\n  ],\n"), text);
        assertTrue(text.contains("\n  \"lora_alpha\": 8,\n  \"lora_bias\": false,\n  \"lora_dropout\": 0.05,\n"), text);
        assertTrue(text.endsWith("\n  \"velora_config\": null\n}"), "no newline after the object, as json.dumps: " + text);
        JsonNode c = JSON.readTree(text);
        assertEquals(LORA_FIELDS, fields(c));
        assertEquals("LORA", c.get("peft_type").asText());
        assertEquals("CAUSAL_LM", c.get("task_type").asText());
        assertTrue(c.get("inference_mode").asBoolean());
        assertEquals("bigscience/bloomz-560m", c.get("base_model_name_or_path").asText());
    }

    @Test
    void promptTuningConfigHasPeftsFieldsAndTheModelsShape() throws IOException {
        PromptTuningParameters pt = PromptTuningParameters.fromText(3, "Classify: ", new int[] {5, 6}, "tiny-bloom",
                PromptLearningShape.of(config("tiny-bloom")), ids -> new float[ids.length * 64]);
        PeftAdapterFiles.write(tmp, pt, "tiny-bloom");
        JsonNode c = JSON.readTree(tmp.resolve(PeftAdapterFiles.CONFIG).toFile());
        assertEquals(PROMPT_TUNING_FIELDS, fields(c));
        JsonNode fixture = JSON.readTree(Golden.folder("tiny-bloom-prompt-tuning").resolve(PeftAdapterFiles.CONFIG).toFile());
        for (String field : List.of("num_attention_heads", "num_layers", "num_transformer_submodules", "token_dim", "peft_type",
                "task_type", "inference_mode", "prompt_tuning_init", "tokenizer_name_or_path", "base_model_name_or_path", "revision")) {
            assertEquals(fixture.get(field), c.get(field), field);
        }
        assertEquals(3, c.get("num_virtual_tokens").asInt());
        Header h = Header.read(tmp.resolve(PeftAdapterFiles.WEIGHTS));
        assertEquals(List.of("prompt_embeddings"), h.names());
        assertEquals("[3,64]", h.tensors().get("prompt_embeddings").get("shape").toString());
    }

    @Test
    void loraWeightsAreNamedShapedAndLaidOutAsPeftAndSafetensorsDoIt() throws IOException {
        LoraTargets bloom = targets("tiny-bloom");
        // The fixture adapter (written by peft): r 4, query_key_value and dense_4h_to_h.
        LoraParameters lora = LoraParameters.fresh(bloom, List.of(0, 3), 4, 8, false, 0.05, new SplittableRandom(1));
        PeftAdapterFiles.write(tmp, lora, "tiny-bloom");
        Header ours = Header.read(tmp.resolve(PeftAdapterFiles.WEIGHTS));
        Header peft = Header.read(Golden.folder("tiny-bloom-lora").resolve(PeftAdapterFiles.WEIGHTS));
        assertEquals(new TreeSet<>(peft.names()), new TreeSet<>(ours.names()));
        for (String name : peft.names()) {
            assertEquals(peft.tensors().get(name).get("shape"), ours.tensors().get(name).get("shape"), name);
            assertEquals("F32", ours.tensors().get(name).get("dtype").asText(), name);
        }
        assertEquals("base_model.model.transformer.h.0.mlp.dense_4h_to_h.lora_A.weight", ours.names().getFirst());
        assertEquals(Map.of("format", "pt"), JSON.convertValue(ours.metadata(), Map.class));
        assertTrue(ours.metadataFirst(), "the safetensors library writes __metadata__ first");
        List<String> sorted = new ArrayList<>(ours.names());
        sorted.sort(null);
        assertEquals(sorted, ours.names(), "tensors by name, as safetensors orders equal dtypes");
        long offset = 0;
        for (String name : ours.names()) {
            JsonNode offsets = ours.tensors().get(name).get("data_offsets");
            assertEquals(offset, offsets.get(0).asLong(), name);
            offset = offsets.get(1).asLong();
        }
        assertEquals(0, ours.headerLength() % 8);

        JsonNode fixture = JSON.readTree(Golden.folder("tiny-bloom-lora").resolve(PeftAdapterFiles.CONFIG).toFile());
        JsonNode c = JSON.readTree(tmp.resolve(PeftAdapterFiles.CONFIG).toFile());
        for (Iterator<String> it = fixture.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            assertTrue(c.has(field), "an earlier peft's field " + field);
            if (!field.equals("target_modules")) {
                assertEquals(fixture.get(field), c.get(field), field);
            }
        }
        assertEquals(new TreeSet<>(List.of("query_key_value", "dense_4h_to_h")),
                new TreeSet<>(JSON.convertValue(c.get("target_modules"), List.class)));
    }

    @Test
    void llamaLoraNamesFollowTheLlamaModulePaths() throws IOException {
        LoraParameters lora = LoraParameters.fresh(targets("tiny-llama"), List.of(0, 2), 4, 8, false, 0, new SplittableRandom(1));
        PeftAdapterFiles.write(tmp, lora, "tiny-llama");
        Header ours = Header.read(tmp.resolve(PeftAdapterFiles.WEIGHTS));
        assertTrue(ours.names().contains("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"), ours.names().toString());
        Header peft = Header.read(Golden.folder("tiny-llama-lora").resolve(PeftAdapterFiles.WEIGHTS));
        for (String name : ours.names()) {
            assertEquals(peft.tensors().get(name).get("shape"), ours.tensors().get(name).get("shape"), name);
        }
        assertFalse(Files.exists(tmp.resolve(PeftAdapterFiles.WEIGHTS + ".partial")));
    }

    /** A safetensors header as the file holds it. */
    record Header(long headerLength, boolean metadataFirst, JsonNode metadata, List<String> names, Map<String, JsonNode> tensors) {
        static Header read(Path file) throws IOException {
            byte[] bytes = Files.readAllBytes(file);
            long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
            JsonNode header = JSON.readTree(new String(bytes, 8, (int) n, StandardCharsets.UTF_8));
            List<String> names = new ArrayList<>();
            Map<String, JsonNode> tensors = new java.util.HashMap<>();
            header.properties().forEach(e -> {
                if (!e.getKey().equals("__metadata__")) {
                    names.add(e.getKey());
                    tensors.put(e.getKey(), e.getValue());
                }
            });
            return new Header(n, header.fieldNames().next().equals("__metadata__"), header.get("__metadata__"), names, tensors);
        }
    }
}
