package dev.peftbench.serve.repository;

import dev.peftbench.contract.ModelFields;
import dev.peftbench.contract.Setting;
import dev.peftbench.serve.ServeException;

/** One model the server answers for: its served name, optional version, and where it comes from. */
public record ModelSettings(String name, ModelFields fields) {
    public ModelSettings {
        if (name == null || name.isBlank()) {
            throw ServeException.badRequest("a model needs a name (" + Setting.MODEL_NAME.label() + " or \"name\" in model-settings.json)");
        }
        if (name.contains("/")) {
            throw ServeException.badRequest("model name must not contain '/': " + name);
        }
        if (fields == null) {
            fields = ModelFields.NONE;
        }
    }

    public String version() {
        return fields.version();
    }
}
