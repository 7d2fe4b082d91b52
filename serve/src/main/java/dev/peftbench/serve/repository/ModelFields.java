package dev.peftbench.serve.repository;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.engine.generate.PromptTemplate;
import dev.peftbench.serve.ServeException;

/**
 * What one source (flags, environment, a model-settings.json, a load request) says about a model;
 * null = not said. {@link #orElse} layers sources so that the first one that says something wins
 * (flags > env > model-settings.json > defaults, design.md "Configuration").
 */
public record ModelFields(String baseModel, String adapter, String template, String textColumn, String version) {

    public static final ModelFields NONE = new ModelFields(null, null, null, null, null);

    public ModelFields {
        baseModel = blankToNull(baseModel);
        adapter = blankToNull(adapter);
        template = blankToNull(template);
        textColumn = blankToNull(textColumn);
        version = blankToNull(version);
    }

    public ModelFields orElse(ModelFields lower) {
        return new ModelFields(first(baseModel, lower.baseModel), first(adapter, lower.adapter),
                first(template, lower.template), first(textColumn, lower.textColumn), first(version, lower.version));
    }

    /** The engine's spec for {@code name}; fails naming what to set when no base model was given. */
    public ModelSpec toSpec(String name) {
        if (baseModel == null) {
            throw ServeException.badRequest("model '" + name + "' has no base model: pass --model, set "
                    + "PRETRAINED_MODEL_PATH, or name it in model-settings.json (parameters.extra.base_model)");
        }
        try {
            return ModelSpec.of(baseModel, adapter, PromptTemplate.parse(template, textColumn));
        } catch (EngineException e) {
            throw ServeException.badRequest("model '" + name + "': " + e.getMessage());
        }
    }

    private static String first(String a, String b) {
        return a != null ? a : b;
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
