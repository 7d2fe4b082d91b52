package dev.peftbench.serve.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.chat.ChatMessage;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * OpenAI's chat message list ({@code [{"role": "user", "content": "..."}]}), as {@code messages} of
 * {@code POST /v1/chat/completions} and the file of {@code generate --messages}. Content is a string or
 * a list of text parts (joined with newlines, as vLLM joins them for text-only templates); images,
 * audio and tool calls are refused by name. Mistakes are {@link EngineException#invalid} naming the
 * message and field.
 */
public final class ChatMessagesJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ChatMessagesJson() {
    }

    public static List<ChatMessage> parse(JsonNode messages) {
        if (messages == null || !messages.isArray()) {
            throw EngineException.invalid("\"messages\" must be a list of {\"role\", \"content\"} objects");
        }
        if (messages.isEmpty()) {
            throw EngineException.invalid("\"messages\" must not be empty");
        }
        List<ChatMessage> out = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            out.add(message(messages.get(i), "messages[" + i + "]"));
        }
        return out;
    }

    private static ChatMessage message(JsonNode m, String where) {
        if (!m.isObject()) {
            throw EngineException.invalid(where + " must be an object with \"role\" and \"content\"");
        }
        for (Iterator<String> names = m.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("role") && !name.equals("content")) {
                throw EngineException.invalid(where + "." + name + " is not supported: messages carry a role and text content"
                        + (name.equals("tool_calls") || name.equals("tool_call_id") ? " (no tool calls)" : ""));
            }
        }
        JsonNode role = m.get("role");
        if (role == null || !role.isTextual() || role.asText().isBlank()) {
            throw EngineException.invalid(where + ".role must be a non-empty string (system, user, assistant, ...)");
        }
        return new ChatMessage(role.asText(), content(m.get("content"), where + ".content"));
    }

    private static String content(JsonNode content, String where) {
        if (content == null || content.isNull()) {
            throw EngineException.invalid(where + " is missing: give the message's text");
        }
        if (content.isTextual()) {
            return content.asText();
        }
        if (!content.isArray()) {
            throw EngineException.invalid(where + " must be a string or a list of {\"type\": \"text\", \"text\": ...} parts");
        }
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < content.size(); i++) {
            JsonNode part = content.get(i);
            String type = part.path("type").asText("");
            if (!type.equals("text")) {
                throw EngineException.invalid(where + "[" + i + "] has type \"" + type + "\": only text parts are supported");
            }
            if (!part.path("text").isTextual()) {
                throw EngineException.invalid(where + "[" + i + "].text must be a string");
            }
            texts.add(part.get("text").asText());
        }
        return String.join("\n", texts);
    }

    /**
     * Extra chat template variables ({@code chat_template_kwargs}): a JSON object whose values the
     * template sees as JSON values; null means none.
     */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> templateVariables(JsonNode kwargs) {
        if (kwargs == null || kwargs.isNull()) {
            return Map.of();
        }
        if (!kwargs.isObject()) {
            throw EngineException.invalid("\"chat_template_kwargs\" must be a JSON object of template variables");
        }
        return new LinkedHashMap<>(JSON.convertValue(kwargs, Map.class));
    }
}
