package dev.peftbench.serve.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peftbench.engine.chat.Conversation;
import dev.peftbench.serve.ServeException;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * OpenAI's {@code POST /v1/chat/completions} body, every field checked: {@code model}, {@code messages},
 * {@code max_tokens} / {@code max_completion_tokens}, {@code temperature} (0-2), {@code top_p},
 * {@code stop} (string or list), {@code seed}, {@code n} (1 only), {@code stream} with
 * {@code stream_options.include_usage}; vLLM's {@code chat_template_kwargs}, {@code add_generation_prompt},
 * {@code top_k} and {@code repetition_penalty}. Options this server does not implement are accepted at
 * their neutral value and refused otherwise, by name (penalties, logprobs, tools, JSON response
 * formats); an unknown field is refused as OpenAI refuses it.
 *
 * @param parameters the sampling settings, under the keys {@code SamplingOverrides} reads
 */
public record ChatCompletionRequest(String model, Conversation conversation, boolean stream, boolean includeUsage,
                                    Map<String, Object> parameters) {

    private static final Set<String> FIELDS = Set.of("model", "messages", "max_tokens", "max_completion_tokens",
            "temperature", "top_p", "top_k", "repetition_penalty", "stop", "seed", "n", "stream", "stream_options",
            "chat_template_kwargs", "add_generation_prompt", "user", "frequency_penalty", "presence_penalty",
            "logprobs", "top_logprobs", "logit_bias", "tools", "tool_choice", "parallel_tool_calls", "response_format");

    public ChatCompletionRequest {
        parameters = Map.copyOf(parameters);
    }

    /** @param defaultModel used when the body names none and the server serves exactly one model */
    public static ChatCompletionRequest of(JsonNode body, String defaultModel) {
        if (body == null || !body.isObject()) {
            throw ServeException.badRequest("the request body must be a JSON object with \"messages\"");
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
        Map<String, Object> params = new LinkedHashMap<>();
        Long maxTokens = f.integer("max_tokens", 1L, null);
        Long maxCompletionTokens = f.integer("max_completion_tokens", 1L, null);
        if (maxTokens != null && maxCompletionTokens != null && !maxTokens.equals(maxCompletionTokens)) {
            throw ServeException.badRequest("give either \"max_tokens\" or \"max_completion_tokens\", not two different values");
        }
        putIfSet(params, "max_tokens", maxCompletionTokens != null ? maxCompletionTokens : maxTokens);
        putIfSet(params, "temperature", f.number("temperature", 0, 2, true));
        putIfSet(params, "top_p", f.number("top_p", 0, 1, false));
        Long topK = f.integer("top_k", -1L, null);
        putIfSet(params, "top_k", topK == null ? null : Math.max(0, topK));
        putIfSet(params, "repetition_penalty", f.positive("repetition_penalty"));
        putIfSet(params, "seed", f.integer("seed", null, null));
        List<String> stop = f.stop();
        putIfSet(params, "stop", stop);
        Long n = f.integer("n", 1L, null);
        if (n != null && n != 1) {
            throw ServeException.badRequest("only \"n\": 1 is supported, got " + n);
        }
        boolean stream = Boolean.TRUE.equals(f.bool("stream"));
        boolean includeUsage = false;
        JsonNode options = body.get("stream_options");
        if (options != null && !options.isNull()) {
            if (!stream) {
                throw ServeException.badRequest("\"stream_options\" is only allowed with \"stream\": true");
            }
            if (!options.isObject()) {
                throw ServeException.badRequest("\"stream_options\" must be an object, e.g. {\"include_usage\": true}");
            }
            includeUsage = Boolean.TRUE.equals(new OpenAiFields(options).bool("include_usage"));
        }
        f.string("user");
        f.neutral("frequency_penalty", 0);
        f.neutral("presence_penalty", 0);
        f.refuseUnless("logprobs", v -> v.isBoolean() && !v.asBoolean(), "log probabilities are not returned");
        f.refuseUnless("top_logprobs", v -> v.isIntegralNumber() && v.asInt() == 0, "log probabilities are not returned");
        f.refuseUnless("logit_bias", v -> v.isObject() && v.isEmpty(), "logit_bias is not supported");
        f.refuseUnless("tools", v -> v.isArray() && v.isEmpty(), "tool calling is not supported");
        f.refuseUnless("tool_choice", v -> v.isTextual() && v.asText().equals("none"), "tool calling is not supported");
        f.bool("parallel_tool_calls");
        f.refuseUnless("response_format", v -> v.isObject() && v.path("type").asText().equals("text"),
                "only {\"type\": \"text\"} responses are supported");
        Boolean addGenerationPrompt = f.bool("add_generation_prompt");
        Conversation conversation = new Conversation(ChatMessagesJson.parse(body.get("messages")),
                addGenerationPrompt == null || addGenerationPrompt,
                ChatMessagesJson.templateVariables(body.get("chat_template_kwargs")));
        return new ChatCompletionRequest(model, conversation, stream, includeUsage, params);
    }

    private static void putIfSet(Map<String, Object> params, String key, Object value) {
        if (value != null) {
            params.put(key, value);
        }
    }
}
