package dev.peftbench.serve.mmesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.serve.RuntimeContract.Setting;
import dev.peftbench.serve.ServeException;
import dev.peftbench.serve.repository.ModelFields;
import dev.peftbench.serve.repository.ModelsDirectory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What to load for a ModelMesh {@code modelPath}: the path of what the puller downloaded (a folder, or
 * a file in {@code /models/<id>/}), looked at in this order:
 * <ol>
 *   <li>a {@code model-settings.json} (the path itself, or in its folder), read as the models dir reads
 *       one; unreadable or invalid is the caller's fault, with the reason;</li>
 *   <li>a base model snapshot ({@code config.json}) in the folder;</li>
 *   <li>a PEFT adapter ({@code adapter_config.json}) in the folder, on the runtime's
 *       {@code PRETRAINED_MODEL_PATH}, else on the adapter's own {@code base_model_name_or_path};</li>
 *   <li>nothing of ours (the reference storage's placeholder file): the model the runtime's environment
 *       names, as the reference runtime serves whatever was pulled;</li>
 * </ol>
 * and only when none of these applies, a refusal naming what was looked for, never what else the
 * folder holds (the path may be any folder of the pod's, {@code /etc} or {@code /proc/self}).
 */
final class ModelLocation {

    private static final Logger LOG = LoggerFactory.getLogger(ModelLocation.class);
    private static final String SNAPSHOT_FILE = "config.json";
    private static final String ADAPTER_FILE = "adapter_config.json";

    private ModelLocation() {
    }

    /**
     * @param runtimeDefaults the runtime's own flags and environment, under what the path says
     * @throws ServeException BAD_REQUEST with the reason, for anything that cannot be loaded
     */
    static ModelFields fields(String modelPath, ModelFields runtimeDefaults) {
        if (modelPath == null || modelPath.isBlank()) {
            throw ServeException.badRequest("loadModel needs a modelPath");
        }
        Path path = Path.of(modelPath);
        if (!Files.exists(path)) {
            throw ServeException.badRequest("modelPath " + modelPath + " does not exist on this pod");
        }
        Path dir = Files.isDirectory(path) ? path : path.toAbsolutePath().getParent();
        Path settings = path.getFileName() != null && path.getFileName().toString().equals(ModelsDirectory.SETTINGS_FILE)
                && Files.isRegularFile(path) ? path : dir.resolve(ModelsDirectory.SETTINGS_FILE);
        if (Files.isRegularFile(settings)) {
            return fromSettings(settings).orElse(runtimeDefaults);
        }
        if (Files.isRegularFile(dir.resolve(SNAPSHOT_FILE))) {
            return ModelFields.of(dir.toString(), null).orElse(runtimeDefaults);
        }
        if (Files.isRegularFile(dir.resolve(ADAPTER_FILE))) {
            String base = runtimeDefaults.baseModel() != null ? runtimeDefaults.baseModel() : adapterBase(dir);
            return ModelFields.of(base, dir.toString()).orElse(runtimeDefaults);
        }
        if (runtimeDefaults.baseModel() != null) {
            LOG.info("{} holds no model of ours ({}): loading the runtime's {} {}{}", modelPath, contents(dir),
                    Setting.BASE_MODEL.env(), runtimeDefaults.baseModel(),
                    runtimeDefaults.adapterToLoad() == null ? "" : " with " + Setting.ADAPTER.env() + " " + runtimeDefaults.adapter());
            return runtimeDefaults;
        }
        throw ServeException.badRequest("modelPath " + modelPath + " holds no " + ModelsDirectory.SETTINGS_FILE
                + ", no model snapshot (" + SNAPSHOT_FILE + ") and no PEFT adapter (" + ADAPTER_FILE + ") in "
                + (Files.isDirectory(path) ? "it" : "its folder") + ", and the runtime names no model to load instead ("
                + Setting.BASE_MODEL.env() + " is unset)");
    }

    private static ModelFields fromSettings(Path file) {
        try {
            return ModelsDirectory.read(file).fields();
        } catch (IOException | RuntimeException e) {
            throw ServeException.badRequest("cannot use " + file + ": " + e.getMessage());
        }
    }

    private static String adapterBase(Path dir) {
        try {
            JsonNode config = new ObjectMapper().readTree(dir.resolve(ADAPTER_FILE).toFile());
            return config == null ? null : config.path("base_model_name_or_path").asText(null);
        } catch (IOException e) {
            throw ServeException.badRequest("cannot read " + dir.resolve(ADAPTER_FILE) + ": " + e.getMessage());
        }
    }

    /** A few names from the folder, for messages. */
    private static String contents(Path dir) {
        try (Stream<Path> files = Files.list(dir)) {
            String names = String.join(", ", files.map(p -> p.getFileName().toString()).sorted().limit(5).toList());
            return names.isEmpty() ? "an empty folder" : names;
        } catch (IOException e) {
            return "an unreadable folder";
        }
    }
}
