package dev.peftbench.serve.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peftbench.engine.InputField;
import dev.peftbench.serve.SamplingFields;
import dev.peftbench.serve.ServeException;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * OpenAI's {@code POST /v1/completions} body, every field checked as in {@link ChatCompletionRequest}:
 * {@code model}, {@code prompt} (string or list), {@code max_tokens}, {@code temperature},
 * {@code top_p}, {@code top_k}, {@code repetition_penalty}, {@code seed}, {@code stop}, vLLM's
 * {@code stop_token_ids}, {@code n} (1),
 * {@code stream} with {@code stream_options}, {@code logprobs} (0-5 alternatives per token, OpenAI's legacy form),
 * {@code echo} (the prompt before the answer, with its tokens' log-probabilities when {@code logprobs} is set; not
 * with {@code stream}), vLLM's {@code guided_choice}; the model's prompt template is applied to each prompt.
 *
 * @param logprobs   alternatives per token, or null for no log-probabilities
 * @param parameters the sampling settings, each under the field the body gave it
 */
public record CompletionRequest(String model, List<String> prompts, boolean stream, boolean includeUsage,
                                Integer logprobs, boolean echo, SamplingFields parameters) {

    /** OpenAI's bound for the legacy completions' {@code logprobs}. */
    static final long MAX_LOGPROBS = 5;

    private static final Set<String> FIELDS = Set.of("model", "prompt", "max_tokens", "temperature", "top_p", "top_k",
            "repetition_penalty", "stop", "stop_token_ids", "seed", "n", "best_of", "stream", "stream_options", "user", "echo",
            "suffix", "frequency_penalty", "presence_penalty", "logprobs", "logit_bias", "guided_choice", "structured_outputs");

    public CompletionRequest {
        prompts = List.copyOf(prompts);
        if (prompts.isEmpty()) {
            throw ServeException.badRequest("\"prompt\" must not be empty");
        }
        if (stream && prompts.size() != 1) {
            throw ServeException.badRequest("\"stream\": true takes one prompt, got " + prompts.size());
        }
    }

    /** @param defaultModel used when the body names none and the server serves exactly one model */
    public static CompletionRequest of(JsonNode body, String defaultModel) {
        OpenAiFields f = OpenAiFields.of(body, FIELDS, "\"prompt\"");
        String model = f.model(defaultModel);
        List<String> prompts = new ArrayList<>();
        JsonNode p = body.get("prompt");
        if (p != null && p.isTextual()) {
            prompts.add(p.asText());
        } else if (p != null && p.isArray()) {
            for (JsonNode e : p) {
                if (!e.isTextual()) {
                    throw ServeException.badRequest("\"prompt\" must be a string or a list of strings");
                }
                prompts.add(e.asText());
            }
        } else {
            throw ServeException.badRequest("\"prompt\" is required: a string or a list of strings");
        }
        SamplingFields.Builder params = OpenAiFields.samplingFields();
        params.put(InputField.MAX_NEW_TOKENS, "max_tokens", f.integer("max_tokens", 1L, null));
        f.sampling(params);
        f.one("n");
        f.one("best_of");
        boolean stream = Boolean.TRUE.equals(f.bool("stream"));
        boolean includeUsage = f.includeUsage(stream);
        f.string("user");
        boolean echo = Boolean.TRUE.equals(f.bool("echo"));
        if (echo && stream) {
            throw ServeException.badRequest("\"echo\" is not supported with \"stream\": true");
        }
        f.refuseUnless("suffix", v -> v.isTextual() && v.asText().isEmpty(), "suffix is not supported");
        f.neutral("frequency_penalty", 0);
        f.neutral("presence_penalty", 0);
        Long logprobs = f.integer("logprobs", 0L, MAX_LOGPROBS);
        params.put(InputField.LOGPROBS, "logprobs", logprobs);
        if (logprobs != null && echo) {
            params.put(InputField.PROMPT_LOGPROBS, "echo", true);
        }
        f.refuseUnless("logit_bias", v -> v.isObject() && v.isEmpty(), "logit_bias is not supported");
        f.choices(params);
        return new CompletionRequest(model, prompts, stream, includeUsage, logprobs == null ? null : logprobs.intValue(),
                echo, params.build());
    }
}
