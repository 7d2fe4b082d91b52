package dev.peftbench.serve.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peftbench.engine.InputField;
import dev.peftbench.engine.chat.Conversation;
import dev.peftbench.serve.SamplingFields;
import dev.peftbench.serve.ServeException;

import java.util.Set;

/**
 * OpenAI's {@code POST /v1/chat/completions} body, every field checked: {@code model}, {@code messages},
 * {@code max_tokens} / {@code max_completion_tokens}, {@code temperature} (0-2), {@code top_p},
 * {@code stop} (string or list), {@code seed}, {@code n} (1 only), {@code stream} with
 * {@code stream_options.include_usage}; vLLM's {@code chat_template_kwargs}, {@code add_generation_prompt},
 * {@code top_k}, {@code repetition_penalty}, {@code stop_token_ids} and {@code guided_choice}; {@code logprobs} with
 * {@code top_logprobs} (0-20). Options this server does not implement are accepted at their neutral value and refused
 * otherwise, by name (penalties, tools, JSON response formats); an unknown field is refused as OpenAI refuses it.
 *
 * @param topLogprobs alternatives per token with {@code logprobs: true}, or null for no log-probabilities
 * @param parameters  the sampling settings, each under the field the body gave it
 */
public record ChatCompletionRequest(String model, Conversation conversation, boolean stream, boolean includeUsage,
                                    Integer topLogprobs, SamplingFields parameters) {

    /** OpenAI's bound for chat's {@code top_logprobs}. */
    static final long MAX_TOP_LOGPROBS = 20;

    private static final Set<String> FIELDS = Set.of("model", "messages", "max_tokens", "max_completion_tokens",
            "temperature", "top_p", "top_k", "repetition_penalty", "stop", "stop_token_ids", "seed", "n", "stream", "stream_options",
            "chat_template_kwargs", "add_generation_prompt", "user", "frequency_penalty", "presence_penalty",
            "logprobs", "top_logprobs", "logit_bias", "tools", "tool_choice", "parallel_tool_calls", "response_format",
            "guided_choice", "structured_outputs");

    public ChatCompletionRequest {
    }

    /** @param defaultModel used when the body names none and the server serves exactly one model */
    public static ChatCompletionRequest of(JsonNode body, String defaultModel) {
        OpenAiFields f = OpenAiFields.of(body, FIELDS, "\"messages\"");
        String model = f.model(defaultModel);
        Long maxTokens = f.integer("max_tokens", 1L, null);
        Long maxCompletionTokens = f.integer("max_completion_tokens", 1L, null);
        if (maxTokens != null && maxCompletionTokens != null && !maxTokens.equals(maxCompletionTokens)) {
            throw ServeException.badRequest("give either \"max_tokens\" or \"max_completion_tokens\", not two different values");
        }
        SamplingFields.Builder params = OpenAiFields.samplingFields();
        params.put(InputField.MAX_NEW_TOKENS, maxCompletionTokens != null ? "max_completion_tokens" : "max_tokens",
                maxCompletionTokens != null ? maxCompletionTokens : maxTokens);
        f.sampling(params);
        f.one("n");
        boolean stream = Boolean.TRUE.equals(f.bool("stream"));
        boolean includeUsage = f.includeUsage(stream);
        f.string("user");
        f.neutral("frequency_penalty", 0);
        f.neutral("presence_penalty", 0);
        boolean logprobs = Boolean.TRUE.equals(f.bool("logprobs"));
        Long top = f.integer("top_logprobs", 0L, MAX_TOP_LOGPROBS);
        if (top != null && top > 0 && !logprobs) {
            throw ServeException.badRequest("\"top_logprobs\" needs \"logprobs\": true");
        }
        Integer topLogprobs = logprobs ? (top == null ? 0 : top.intValue()) : null;
        params.put(InputField.LOGPROBS, "top_logprobs", topLogprobs);
        f.choices(params);
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
        return new ChatCompletionRequest(model, conversation, stream, includeUsage, topLogprobs, params.build());
    }
}
