package dev.peftbench.engine.chat;

import dev.peftbench.engine.EngineException;

/**
 * One turn of a conversation as a chat template sees it ({@code message['role']},
 * {@code message['content']}). Roles are not checked here: each model's template decides which it
 * accepts (most raise an error naming the role).
 */
public record ChatMessage(String role, String content) {
    public ChatMessage {
        if (role == null || role.isBlank()) {
            throw EngineException.invalid("a chat message needs a role (system, user, assistant, ...)");
        }
        if (content == null) {
            throw EngineException.invalid("the " + role + " message has no content");
        }
    }

    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }
}
