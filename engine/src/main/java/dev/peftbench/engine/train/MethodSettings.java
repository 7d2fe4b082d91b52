package dev.peftbench.engine.train;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.InputField;

import java.util.List;

/**
 * The adapter to train. Unset values (null) take peft's causal-LM examples' defaults for a fresh
 * adapter (prompt tuning: 8 virtual tokens, random initialisation unless an init text is given; LoRA: r 8,
 * lora_alpha 32, the family's default target modules), or the adapter's own when training continues from
 * one; a value that contradicts the adapter being continued is refused.
 *
 * @param method      null: the continued adapter's, else prompt tuning
 * @param loraDropout null: 0.1 for a fresh adapter (peft's example), off when continuing; 0 turns it off
 */
public record MethodSettings(TuningMethod method, Integer numVirtualTokens, String initText, Integer loraR,
                             Double loraAlpha, Double loraDropout, List<String> targetModules, Boolean useRslora) {

    public static final int DEFAULT_VIRTUAL_TOKENS = 8;
    public static final int DEFAULT_R = 8;
    public static final double DEFAULT_ALPHA = 32;
    public static final double DEFAULT_DROPOUT = 0.1;

    public MethodSettings {
        if (numVirtualTokens != null && numVirtualTokens < 1) {
            throw EngineException.invalid("{0} must be >= 1, got " + numVirtualTokens, InputField.NUM_VIRTUAL_TOKENS);
        }
        if (initText != null && initText.isBlank()) {
            throw EngineException.invalid("{0} must not be empty", InputField.INIT_TEXT);
        }
        if (loraR != null && loraR < 1) {
            throw EngineException.invalid("{0} must be >= 1, got " + loraR, InputField.LORA_R);
        }
        if (loraAlpha != null && !(loraAlpha > 0)) {
            throw EngineException.invalid("{0} must be > 0, got " + loraAlpha, InputField.LORA_ALPHA);
        }
        if (loraDropout != null && !(loraDropout >= 0 && loraDropout < 1)) {
            throw EngineException.invalid("{0} must be in [0, 1), got " + loraDropout, InputField.LORA_DROPOUT);
        }
        if (targetModules != null) {
            targetModules = List.copyOf(targetModules);
            if (targetModules.isEmpty() || targetModules.stream().anyMatch(String::isBlank)) {
                throw EngineException.invalid("{0} needs module names, e.g. q_proj,v_proj", InputField.TARGET_MODULES);
            }
        }
    }

    /** Refuses settings of the other method, once the method is known (a continued adapter's may decide it). */
    void checkFor(TuningMethod m) {
        if (m == TuningMethod.LORA && (numVirtualTokens != null || initText != null)) {
            throw EngineException.invalid("{0} and {1} are prompt-tuning settings, not LoRA's", InputField.NUM_VIRTUAL_TOKENS,
                    InputField.INIT_TEXT);
        }
        if (m == TuningMethod.PROMPT_TUNING && (loraR != null || loraAlpha != null || loraDropout != null
                || targetModules != null || useRslora != null)) {
            throw EngineException.invalid("{0}, {1}, {2}, {3} and {4} are LoRA settings, not prompt tuning's"
                    + (method == null ? "; set {5} lora" : ""), InputField.LORA_R, InputField.LORA_ALPHA, InputField.LORA_DROPOUT,
                    InputField.TARGET_MODULES, InputField.USE_RSLORA, InputField.METHOD);
        }
    }

    public static MethodSettings promptTuning(Integer numVirtualTokens, String initText) {
        return new MethodSettings(TuningMethod.PROMPT_TUNING, numVirtualTokens, initText, null, null, null, null, null);
    }

    public static MethodSettings lora(Integer r, Double alpha, Double dropout, List<String> targetModules, Boolean rslora) {
        return new MethodSettings(TuningMethod.LORA, null, null, r, alpha, dropout, targetModules, rslora);
    }
}
