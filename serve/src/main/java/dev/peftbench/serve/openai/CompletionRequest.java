package dev.peftbench.serve.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peftbench.serve.ServeException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenAI's {@code POST /v1/completions} body: {@code model}, {@code prompt} (string or list),
 * {@code stream}, and the sampling keys this server honours ({@code max_tokens}, {@code temperature},
 * {@code top_p}, {@code top_k}, {@code seed}, {@code stop}), kept as generation parameters.
 */
public record CompletionRequest(String model, List<String> prompts, boolean stream, Map<String, Object> parameters) {

    private static final List<String> SAMPLING_KEYS = List.of("max_tokens", "temperature", "top_p", "top_k", "seed", "stop");

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
        JsonNode m = body.get("model");
        String model = m != null && m.isTextual() ? m.asText() : defaultModel;
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
        JsonNode n = body.get("n");
        if (n != null && !n.isNull() && !(n.isIntegralNumber() && n.canConvertToInt() && n.intValue() == 1)) {
            throw ServeException.badRequest("only \"n\": 1 is supported");
        }
        Map<String, Object> params = new LinkedHashMap<>();
        for (String key : SAMPLING_KEYS) {
            JsonNode v = body.get(key);
            if (v == null || v.isNull()) {
                continue;
            }
            if (v.isArray()) {
                List<Object> list = new ArrayList<>();
                v.forEach(e -> list.add(e.isTextual() ? e.asText() : e.toString()));
                params.put(key, list);
            } else if (v.isNumber()) {
                params.put(key, v.numberValue());
            } else {
                params.put(key, v.asText());
            }
        }
        return new CompletionRequest(model, prompts, body.path("stream").asBoolean(false), params);
    }
}
