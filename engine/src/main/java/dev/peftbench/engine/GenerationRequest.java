package dev.peftbench.engine;

import dev.peftbench.engine.chat.Conversation;
import dev.peftbench.engine.generate.PromptTemplate;
import dev.peftbench.engine.generate.SamplingParams;

/**
 * One prompt for one served model: user input put into a prompt template, or a conversation rendered
 * by the model's chat template.
 *
 * @param model      the served name
 * @param input      user input, before the template; null for a chat
 * @param template   null = the model's own template (not used for a chat)
 * @param params     sampling settings
 * @param useAdapter false runs the bare base model (the UI's with/without comparison)
 * @param chat       messages for the model's chat template, or null for plain input
 */
public record GenerationRequest(String model, String input, PromptTemplate template, SamplingParams params,
                                boolean useAdapter, Conversation chat) {
    public GenerationRequest {
        if (model == null || model.isBlank()) {
            throw EngineException.invalid("no model name given");
        }
        if (chat == null && input == null) {
            throw EngineException.invalid("no input text given");
        }
        if (chat != null && (input != null || template != null)) {
            throw EngineException.invalid("give either input text or chat messages, not both");
        }
        params = params == null ? SamplingParams.DEFAULT : params;
    }

    public GenerationRequest(String model, String input, PromptTemplate template, SamplingParams params, boolean useAdapter) {
        this(model, input, template, params, useAdapter, null);
    }

    public static GenerationRequest of(String model, String input, SamplingParams params) {
        return new GenerationRequest(model, input, null, params, true);
    }

    /** A conversation for the model's chat template. */
    public static GenerationRequest chat(String model, Conversation chat, SamplingParams params, boolean useAdapter) {
        return new GenerationRequest(model, null, null, params, useAdapter, chat);
    }

    public boolean isChat() {
        return chat != null;
    }
}
