package dev.peftbench.serve.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peftbench.serve.ServeException;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI's {@code POST /v1/completions} body, every field checked as in {@link ChatCompletionRequest}:
 * {@code model}, {@code prompt} (string or list), {@code max_tokens}, {@code temperature},
 * {@code top_p}, {@code top_k}, {@code repetition_penalty}, {@code seed}, {@code stop}, {@code n} (1),
 * {@code stream} with {@code stream_options}; the model's prompt template is applied to each prompt.
 *
 * @param parameters the sampling settings, under the keys {@code SamplingOverrides} reads
 */
public record CompletionRequest(String model, List<String> prompts, boolean stream, boolean includeUsage,
                                Map<String, Object> parameters) {

    private static final Set<String> FIELDS = Set.of("model", "prompt", "max_tokens", "temperature", "top_p", "top_k",
            "repetition_penalty", "stop", "seed", "n", "best_of", "stream", "stream_options", "user", "echo", "suffix",
            "frequency_penalty", "presence_penalty", "logprobs", "logit_bias");

    public CompletionRequest {
        prompts = List.copyOf(prompts);
        if (prompts.isEmpty()) {
            throw ServeException.badRequest("\"prompt\" must not be empty");
        }
        if (stream && prompts.size() != 1) {
            throw ServeException.badRequest("\"stream\": true takes one prompt, got " + prompts.size());
        }
        parameters = Map.copyOf(parameters);
    }

    /** @param defaultModel used when the body names none and the server serves exactly one model */
    public static CompletionRequest of(JsonNode body, String defaultModel) {
        if (body == null || !body.isObject()) {
            throw ServeException.badRequest("the request body must be a JSON object with \"prompt\"");
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!FIELDS.contains(name)) {
                throw ServeException.badRequest("Unrecognized request argument supplied: " + name);
            }
        }
        OpenAiFields f = new OpenAiFields(body);
        String model = f.string("model");
        if (model == null) {
            model = defaultModel;
        }
        if (model == null) {
            throw ServeException.badRequest("\"model\" is required: name one of GET /v1/models");
        }
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
        Map<String, Object> params = new LinkedHashMap<>();
        putIfSet(params, "max_tokens", f.integer("max_tokens", 1L, null));
        putIfSet(params, "temperature", f.number("temperature", 0, 2, true));
        putIfSet(params, "top_p", f.number("top_p", 0, 1, false));
        Long topK = f.integer("top_k", -1L, null);
        putIfSet(params, "top_k", topK == null ? null : Math.max(0, topK));
        putIfSet(params, "repetition_penalty", f.positive("repetition_penalty"));
        putIfSet(params, "seed", f.integer("seed", null, null));
        putIfSet(params, "stop", f.stop());
        for (String one : List.of("n", "best_of")) {
            Long n = f.integer(one, 1L, null);
            if (n != null && n != 1) {
                throw ServeException.badRequest("only \"" + one + "\": 1 is supported, got " + n);
            }
        }
        boolean stream = Boolean.TRUE.equals(f.bool("stream"));
        boolean includeUsage = false;
        JsonNode options = body.get("stream_options");
        if (options != null && !options.isNull()) {
            if (!stream || !options.isObject()) {
                throw ServeException.badRequest("\"stream_options\" must be an object and needs \"stream\": true");
            }
            includeUsage = Boolean.TRUE.equals(new OpenAiFields(options).bool("include_usage"));
        }
        f.string("user");
        f.refuseUnless("echo", v -> v.isBoolean() && !v.asBoolean(), "echoing the prompt is not supported");
        f.refuseUnless("suffix", v -> v.isTextual() && v.asText().isEmpty(), "suffix is not supported");
        f.neutral("frequency_penalty", 0);
        f.neutral("presence_penalty", 0);
        f.refuseUnless("logprobs", v -> v.isIntegralNumber() && v.asInt() == 0, "log probabilities are not returned");
        f.refuseUnless("logit_bias", v -> v.isObject() && v.isEmpty(), "logit_bias is not supported");
        return new CompletionRequest(model, prompts, stream, includeUsage, params);
    }

    private static void putIfSet(Map<String, Object> params, String key, Object value) {
        if (value != null) {
            params.put(key, value);
        }
    }
}
