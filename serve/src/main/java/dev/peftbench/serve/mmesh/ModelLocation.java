package dev.peftbench.serve.mmesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.serve.ServeException;
import dev.peftbench.serve.repository.ModelFields;
import dev.peftbench.serve.repository.ModelsDirectory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a ModelMesh {@code modelPath} holds: a folder with a {@code model-settings.json} (base, adapter,
 * template), a base model snapshot ({@code config.json}), or a PEFT adapter ({@code adapter_config.json}),
 * whose base is the runtime's {@code PRETRAINED_MODEL_PATH} or else the adapter's own
 * {@code base_model_name_or_path}.
 */
final class ModelLocation {

    private ModelLocation() {
    }

    static ModelFields fields(String modelPath, ModelFields runtimeDefaults) {
        if (modelPath == null || modelPath.isBlank()) {
            throw ServeException.badRequest("loadModel needs a modelPath");
        }
        Path path = Path.of(modelPath);
        Path dir = Files.isRegularFile(path) ? path.getParent() : path;
        if (dir == null || !Files.isDirectory(dir)) {
            throw ServeException.badRequest("modelPath " + modelPath + " is not a folder on this pod");
        }
        try {
            Path settings = Files.isRegularFile(path) ? path : dir.resolve(ModelsDirectory.SETTINGS_FILE);
            if (Files.isRegularFile(settings)) {
                return ModelsDirectory.read(settings).fields().orElse(runtimeDefaults);
            }
            if (Files.isRegularFile(dir.resolve("config.json"))) {
                return new ModelFields(dir.toString(), null, null, null, null).orElse(runtimeDefaults);
            }
            if (Files.isRegularFile(dir.resolve("adapter_config.json"))) {
                JsonNode config = new ObjectMapper().readTree(dir.resolve("adapter_config.json").toFile());
                String base = runtimeDefaults.baseModel() != null ? runtimeDefaults.baseModel()
                        : config.path("base_model_name_or_path").asText(null);
                return new ModelFields(base, dir.toString(), runtimeDefaults.template(), runtimeDefaults.textColumn(), null);
            }
        } catch (IOException e) {
            throw ServeException.badRequest("cannot read " + modelPath + ": " + e.getMessage());
        }
        throw ServeException.badRequest("modelPath " + modelPath + " holds neither a model-settings.json, a model "
                + "snapshot (config.json) nor a PEFT adapter (adapter_config.json)");
    }
}
