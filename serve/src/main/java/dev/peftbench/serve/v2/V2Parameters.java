package dev.peftbench.serve.v2;

import dev.peftbench.engine.InputField;
import dev.peftbench.serve.SamplingFields;

import java.util.Map;

/**
 * The v2 (Open Inference Protocol) request {@code parameters} that set generation, onto the engine's fields: the OIP
 * generate extension's {@code max_tokens} beside transformers' {@code max_new_tokens}, the sampling names TGI and
 * transformers use, {@code eos_token_id} (one id or a list: transformers' GenerationConfig field) and vLLM's
 * {@code stop_token_ids}, {@code logprobs}, {@code prompt_logprobs} and {@code guided_choice}. Other keys (e.g.
 * {@code content_type}) belong to the protocol and are left out. Refusals name the parameter as sent.
 */
public final class V2Parameters {

    private static final Map<String, InputField> FIELDS = Map.ofEntries(
            Map.entry("max_new_tokens", InputField.MAX_NEW_TOKENS),
            Map.entry("max_tokens", InputField.MAX_NEW_TOKENS),
            Map.entry("temperature", InputField.TEMPERATURE),
            Map.entry("top_p", InputField.TOP_P),
            Map.entry("top_k", InputField.TOP_K),
            Map.entry("repetition_penalty", InputField.REPETITION_PENALTY),
            Map.entry("seed", InputField.SEED),
            Map.entry("stop", InputField.STOP),
            Map.entry("eos_token_id", InputField.EOS_TOKEN_ID),
            Map.entry("stop_token_ids", InputField.STOP_TOKEN_IDS),
            Map.entry("logprobs", InputField.LOGPROBS),
            Map.entry("prompt_logprobs", InputField.PROMPT_LOGPROBS),
            Map.entry("guided_choice", InputField.CHOICES));

    private V2Parameters() {
    }

    /** A request's parameters as the engine's fields. */
    public static SamplingFields of(Map<String, ?> parameters) {
        SamplingFields.Builder fields = SamplingFields.builder(name -> "parameter " + name);
        parameters.forEach((key, value) -> {
            InputField field = FIELDS.get(key);
            if (field != null) {
                fields.put(field, key, value);
            }
        });
        return fields.build();
    }
}
