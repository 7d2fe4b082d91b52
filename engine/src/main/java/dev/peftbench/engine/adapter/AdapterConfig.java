package dev.peftbench.engine.adapter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.engine.EngineException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * peft's {@code adapter_config.json}: the fields this engine acts on, validated so an adapter it
 * cannot apply exactly is refused with the reason instead of producing different numbers.
 *
 * @param targetModules        {@code target_modules} as a list of module names (empty when it is a pattern)
 * @param targetModulesPattern {@code target_modules} as one string, which peft matches as a regular expression
 *                             against whole module paths; null for a list
 * @param promptTuningInit     {@code prompt_tuning_init} ({@code TEXT}, {@code RANDOM}, ...), null when absent
 * @param tokenizerNameOrPath  {@code tokenizer_name_or_path} (the tokenizer of a {@code TEXT} initialisation), or null
 * @param loraDropout          {@code lora_dropout} (0 when absent)
 */
public record AdapterConfig(PeftType peftType, String taskType, String baseModel, Integer numVirtualTokens,
                            String promptTuningInitText, int r, double loraAlpha, boolean useRslora,
                            List<String> targetModules, String targetModulesPattern, String promptTuningInit,
                            String tokenizerNameOrPath, double loraDropout) {

    public enum PeftType { PROMPT_TUNING, LORA }

    /** The file peft's save_pretrained writes beside the weights. */
    public static final String FILE = "adapter_config.json";

    /**
     * LoRA options that change what an adapter computes beyond {@code scale · B(A(x))} on the targeted
     * projections: each is refused by name when set, rather than silently ignored.
     */
    private static void refuseUnsupportedLoraOptions(JsonNode c, Path file) {
        for (String unsupported : List.of("rank_pattern", "alpha_pattern")) {
            if (c.path(unsupported).isObject() && !c.path(unsupported).isEmpty()) {
                throw EngineException.loadFailed(unsupported + " in " + file + " is not supported: every module must use r and lora_alpha");
            }
        }
        if (!c.path("bias").asText("none").equals("none")) {
            throw EngineException.loadFailed("LoRA bias '" + c.path("bias").asText() + "' in " + file
                    + " is not supported; supported: none");
        }
        record Option(String key, String what) {
        }
        for (Option o : List.of(new Option("use_dora", "DoRA (use_dora)"), new Option("lora_bias", "a bias on lora_B (lora_bias)"),
                new Option("use_qalora", "QA-LoRA (use_qalora)"),
                new Option("fan_in_fan_out", "fan_in_fan_out (Conv1D weights stored transposed)"))) {
            if (c.path(o.key()).asBoolean(false)) {
                throw EngineException.loadFailed(o.what() + " in " + file + " is not supported");
            }
        }
        for (String key : List.of("modules_to_save", "layer_replication", "target_parameters", "trainable_token_indices",
                "megatron_config")) {
            JsonNode v = c.path(key);
            if (!v.isMissingNode() && !v.isNull() && !(v.isContainerNode() && v.isEmpty())) {
                throw EngineException.loadFailed(key + " in " + file + " is not supported");
            }
        }
    }

    /**
     * The {@code base_model_name_or_path} a folder's adapter_config.json names, as written; empty when the
     * folder holds no readable adapter config or it names no base. Read alone, without {@link #read}'s
     * checks, for choosing a base model before anything is loaded.
     */
    public static Optional<String> baseModelName(Path dir) {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonNode c = new ObjectMapper().readTree(file.toFile());
            String base = c == null ? null : c.path("base_model_name_or_path").asText(null);
            return base == null || base.isBlank() ? Optional.empty() : Optional.of(base.strip());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    public static AdapterConfig read(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw EngineException.notFound("adapter folder " + dir + " does not exist");
        }
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw EngineException.loadFailed(dir + " has no adapter_config.json — is it a PEFT adapter folder?");
        }
        JsonNode c;
        try {
            c = new ObjectMapper().readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw EngineException.loadFailed("adapter_config.json in " + dir + " is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw EngineException.loadFailed("cannot read " + file + ": " + e.getMessage(), e);
        }
        if (c == null || !c.isObject()) {
            throw EngineException.loadFailed("adapter_config.json in " + dir + " is not a JSON object");
        }
        String type = c.path("peft_type").asText("").toUpperCase(Locale.ROOT);
        PeftType peftType;
        try {
            peftType = PeftType.valueOf(type);
        } catch (IllegalArgumentException e) {
            throw EngineException.loadFailed("peft_type '" + c.path("peft_type").asText("(missing)") + "' in " + file
                    + " is not supported; supported: PROMPT_TUNING, LORA");
        }
        String task = c.path("task_type").asText("CAUSAL_LM");
        if (!task.equals("CAUSAL_LM")) {
            throw EngineException.loadFailed("task_type '" + task + "' in " + file + " is not supported; supported: CAUSAL_LM");
        }
        if (peftType == PeftType.PROMPT_TUNING && c.path("num_transformer_submodules").asInt(1) != 1) {
            throw EngineException.loadFailed("prompt tuning with num_transformer_submodules != 1 (encoder-decoder) is not supported");
        }
        if (peftType == PeftType.LORA) {
            refuseUnsupportedLoraOptions(c, file);
            if (c.path("r").asInt(0) < 1) {
                throw EngineException.loadFailed("LoRA r in " + file + " must be a positive integer");
            }
        }
        List<String> targets = new ArrayList<>();
        JsonNode t = c.path("target_modules");
        if (t.isArray()) {
            t.forEach(n -> targets.add(n.asText()));
        }
        JsonNode nvt = c.get("num_virtual_tokens");
        return new AdapterConfig(peftType, task, c.path("base_model_name_or_path").asText(null),
                nvt == null || nvt.isNull() ? null : nvt.asInt(), textOrNull(c.get("prompt_tuning_init_text")),
                c.path("r").asInt(0), c.path("lora_alpha").asDouble(8), c.path("use_rslora").asBoolean(false),
                List.copyOf(targets), t.isTextual() ? t.asText() : null, textOrNull(c.get("prompt_tuning_init")),
                textOrNull(c.get("tokenizer_name_or_path")), c.path("lora_dropout").asDouble(0));
    }

    private static String textOrNull(JsonNode value) {
        return value == null || value.isNull() ? null : value.asText();
    }
}
