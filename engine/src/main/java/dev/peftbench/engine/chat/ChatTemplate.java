package dev.peftbench.engine.chat;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.chat.jinja.HfJinjaEnvironment;

import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A model's own chat template with the special tokens it may print, rendered as transformers'
 * {@code apply_chat_template(messages, tokenize=False, add_generation_prompt=...)} renders it:
 * variables {@code messages}, {@code add_generation_prompt}, {@code tools} and {@code documents} (None),
 * the tokenizer's special tokens ({@code bos_token}, {@code eos_token}, ... as strings,
 * {@code additional_special_tokens} as a list) and the conversation's extra variables, which win over
 * the special tokens as in transformers. A model without one answers chat requests with why.
 */
public final class ChatTemplate {

    private static final HfJinjaEnvironment JINJA = new HfJinjaEnvironment();

    private final String source;
    private final String unavailable;
    private final Map<String, Object> specialTokens;

    private ChatTemplate(String source, String unavailable, Map<String, Object> specialTokens) {
        this.source = source;
        this.unavailable = unavailable;
        this.specialTokens = Map.copyOf(specialTokens);
    }

    /** A template given as text, with the special-token variables it may print. */
    public static ChatTemplate of(String source, Map<String, Object> specialTokens) {
        return new ChatTemplate(Objects.requireNonNull(source, "source"), null, specialTokens);
    }

    /** No template: chat requests are refused with {@code why}. */
    public static ChatTemplate unavailable(String why) {
        return new ChatTemplate(null, why, Map.of());
    }

    /**
     * The prompt text for {@code conversation}.
     *
     * @throws EngineException INVALID_INPUT when the model has no template, the template refuses the
     *                         conversation ({@code raise_exception}: its message) or cannot be rendered
     */
    public String render(Conversation conversation) {
        if (source == null) {
            throw EngineException.invalid(unavailable);
        }
        Map<String, Object> variables = new HashMap<>(specialTokens);
        variables.putAll(conversation.templateVariables());
        List<Map<String, Object>> messages = conversation.messages().stream().map(ChatTemplate::asVariable).toList();
        variables.put("messages", messages);
        variables.put("add_generation_prompt", conversation.addGenerationPrompt());
        variables.put("tools", null);
        variables.put("documents", null);
        try {
            // strftime_now reads the local date and time, as transformers' does.
            return JINJA.render(source, variables, Clock.systemDefaultZone());
        } catch (HfJinjaEnvironment.TemplateFailure e) {
            throw EngineException.invalid(e.raisedByTemplate()
                    ? "chat template: " + e.getMessage()
                    : "the model's chat template cannot be rendered: " + e.getMessage());
        }
    }

    private static Map<String, Object> asVariable(ChatMessage message) {
        Map<String, Object> map = new LinkedHashMap<>();
        map.put("role", message.role());
        map.put("content", message.content());
        return map;
    }
}
