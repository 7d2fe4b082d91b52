package dev.peftbench.engine;

import dev.peftbench.engine.generate.PromptTemplate;
import dev.peftbench.engine.generate.SamplingParams;

/**
 * One prompt for one served model.
 *
 * @param model      the served name
 * @param input      user input, before the template
 * @param template   null = the model's own template
 * @param params     sampling settings
 * @param useAdapter false runs the bare base model (the UI's with/without comparison)
 */
public record GenerationRequest(String model, String input, PromptTemplate template, SamplingParams params,
                                boolean useAdapter) {
    public GenerationRequest {
        if (model == null || model.isBlank()) {
            throw EngineException.invalid("no model name given");
        }
        if (input == null) {
            throw EngineException.invalid("no input text given");
        }
        params = params == null ? SamplingParams.DEFAULT : params;
    }

    public static GenerationRequest of(String model, String input, SamplingParams params) {
        return new GenerationRequest(model, input, null, params, true);
    }
}
