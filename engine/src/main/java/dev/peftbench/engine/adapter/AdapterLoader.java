package dev.peftbench.engine.adapter;

import dev.peftbench.engine.AdapterInfo;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.arch.CausalLm;
import dev.peftbench.engine.load.WeightSource;
import dev.peftbench.engine.tensor.Tensor;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reads a PEFT adapter folder (adapter_config.json + weights) and attaches it to a loaded base model. */
public final class AdapterLoader {

    /** The tensor peft saves for prompt tuning (PeftModel.save_pretrained of a PROMPT_TUNING model). */
    static final String PROMPT_EMBEDDINGS = "prompt_embeddings";

    private AdapterLoader() {
    }

    /**
     * @throws EngineException LOAD_FAILED; an adapter made for another base model is refused as that
     *                         mismatch, naming both models and what does not fit
     */
    public static Adapter load(Path dir, CausalLm model) {
        AdapterConfig config = AdapterConfig.read(dir);
        String name = dir.getFileName().toString();
        try (WeightSource weights = WeightSource.open(dir)) {
            return switch (config.peftType()) {
                case PROMPT_TUNING -> promptTuning(dir, name, config, weights, model);
                case LORA -> lora(dir, name, config, weights, model);
            };
        } catch (BaseMismatch m) {
            throw EngineException.loadFailed("adapter " + dir + " was trained for another base model than " + model.info().dir()
                    + " (" + model.info().architecture() + ")" + (config.baseModel() == null ? ""
                    : "; it names " + config.baseModel() + " as its base (base_model_name_or_path)") + ": " + m.getMessage());
        }
    }

    private static PromptTuningAdapter promptTuning(Path dir, String name, AdapterConfig config, WeightSource weights,
                                                    CausalLm model) {
        if (!weights.names().contains(PROMPT_EMBEDDINGS)) {
            throw EngineException.loadFailed("prompt-tuning adapter " + dir + " has no '" + PROMPT_EMBEDDINGS
                    + "' tensor; found: " + weights.names());
        }
        Tensor table = model.promptEmbeddings(weights, PROMPT_EMBEDDINGS);
        if (table.cols() != model.info().hiddenSize()) {
            throw new BaseMismatch("its token_dim is " + table.cols() + " but the base model's hidden size is "
                    + model.info().hiddenSize());
        }
        if (config.numVirtualTokens() != null && table.rows() != config.numVirtualTokens()) {
            throw EngineException.loadFailed("prompt-tuning adapter " + dir + " declares " + config.numVirtualTokens()
                    + " virtual tokens but its prompt_embeddings has " + table.rows() + " rows");
        }
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("num_virtual_tokens", table.rows());
        settings.put("token_dim", table.cols());
        if (config.promptTuningInitText() != null) {
            settings.put("prompt_tuning_init_text", config.promptTuningInitText());
        }
        return new PromptTuningAdapter(name, table, new AdapterInfo(dir, "PROMPT_TUNING", settings));
    }

    private static LoraAdapter lora(Path dir, String name, AdapterConfig config, WeightSource weights, CausalLm model) {
        LoraTargets targets = model.loraTargets();
        LoraLoader.checkTargetModules(config, targets);
        // peft tuners/lora/layer.py: scaling = lora_alpha / r, or lora_alpha / sqrt(r) with use_rslora.
        double r = config.r();
        float scale = (float) (config.useRslora() ? config.loraAlpha() / Math.sqrt(r) : config.loraAlpha() / r);
        LoraAdapter loaded = LoraLoader.load(weights, targets, model.ops(), scale, name, new AdapterInfo(dir, "LORA", Map.of()));
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("r", config.r());
        settings.put("lora_alpha", config.loraAlpha());
        if (config.useRslora()) {
            settings.put("use_rslora", true);
        }
        settings.put("scaling", scale);
        settings.put("target_modules", config.targetModulesPattern() != null ? config.targetModulesPattern() : config.targetModules());
        settings.put("modules", loaded.moduleCount());
        return loaded.withInfo(new AdapterInfo(dir, "LORA", settings));
    }
}
