package dev.peftbench.engine.chat;

import dev.peftbench.engine.EngineException;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a chat template renders: the messages, whether to open the assistant's turn
 * ({@code add_generation_prompt}, transformers' and vLLM's default true for generation) and extra
 * template variables ({@code chat_template_kwargs}, e.g. Llama 3.1's {@code date_string}).
 */
public record Conversation(List<ChatMessage> messages, boolean addGenerationPrompt, Map<String, Object> templateVariables) {

    /** Names the renderer sets itself; a template variable may not replace them. */
    static final Set<String> RESERVED = Set.of("messages", "add_generation_prompt", "tools", "documents");

    public Conversation {
        if (messages == null || messages.isEmpty()) {
            throw EngineException.invalid("a chat needs at least one message");
        }
        messages = List.copyOf(messages);
        Map<String, Object> variables = new LinkedHashMap<>(templateVariables == null ? Map.of() : templateVariables);
        for (String name : variables.keySet()) {
            if (RESERVED.contains(name)) {
                throw EngineException.invalid("chat template variable '" + name + "' cannot be set: it is "
                        + (name.equals("messages") ? "the messages themselves" : "set by the server"));
            }
            if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
                throw EngineException.invalid("chat template variable '" + name + "' is not a template identifier");
            }
        }
        templateVariables = Collections.unmodifiableMap(variables);
    }

    /** The messages with the generation prompt opened and no extra variables. */
    public static Conversation of(List<ChatMessage> messages) {
        return new Conversation(messages, true, Map.of());
    }
}
