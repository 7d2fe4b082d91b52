package dev.peftbench.serve.mmesh;

import dev.peftbench.contract.Setting;
import dev.peftbench.serve.ServeException;
import dev.peftbench.contract.ModelChoice;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.engine.adapter.AdapterConfig;
import dev.peftbench.serve.repository.ModelsDirectory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What to load for a ModelMesh {@code modelPath}: the path of what the puller downloaded (a folder, or
 * a file in {@code /models/<id>/}), read as {@link ModelChoice.EntryPoint#MODELMESH_LOAD} ranks it:
 * <ol>
 *   <li>a {@code model-settings.json} (the path itself, or in its folder), read as the models dir reads
 *       one, over the runtime's own flags and environment (MLServer's order); unreadable or invalid is the
 *       caller's fault, with the reason;</li>
 *   <li>then what the folder holds: a base model snapshot ({@code config.json}), or a PEFT adapter
 *       ({@code adapter_config.json}), on the runtime's base model, else on the adapter's own
 *       {@code base_model_name_or_path};</li>
 *   <li>nothing of ours (the reference storage's placeholder file): the model the runtime's flags and
 *       environment name, as the reference runtime serves whatever was pulled;</li>
 * </ol>
 * and only when none of these applies, a refusal naming what was looked for, never what else the
 * folder holds (the path may be any folder of the pod's, {@code /etc} or {@code /proc/self}).
 */
final class ModelLocation {

    private static final Logger LOG = LoggerFactory.getLogger(ModelLocation.class);
    private static final String SNAPSHOT_FILE = "config.json";

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
        ModelChoice.Said said = ModelChoice.Said.NOTHING.withFlags(runtimeDefaults);
        boolean ours = true;
        if (Files.isRegularFile(settings)) {
            said = said.withModelSettings(fromSettings(settings));
        }
        if (Files.isRegularFile(dir.resolve(SNAPSHOT_FILE))) {
            said = said.withRequest(ModelFields.of(dir.toString(), null));
        } else if (Files.isRegularFile(dir.resolve(AdapterConfig.FILE))) {
            said = said.withRequest(ModelFields.of(null, dir.toString()));
        } else {
            ours = Files.isRegularFile(settings);
        }
        ModelFields chosen = ModelChoice.choose(ModelChoice.EntryPoint.MODELMESH_LOAD, said).fields();
        if (!ours && chosen.baseModel() != null) {
            LOG.info("{} holds no model of ours: loading the runtime's {} {}{}", modelPath,
                    Setting.BASE_MODEL.label(), chosen.baseModel(),
                    chosen.adapterToLoad() == null ? "" : " with " + Setting.ADAPTER.label() + " " + chosen.adapter());
        }
        if (!ours && chosen.baseModel() == null) {
            throw ServeException.badRequest("modelPath " + modelPath + " holds no " + ModelsDirectory.SETTINGS_FILE
                    + ", no model snapshot (" + SNAPSHOT_FILE + ") and no PEFT adapter (" + AdapterConfig.FILE + ") in "
                    + (Files.isDirectory(path) ? "it" : "its folder") + ", and the runtime names no model to load instead ("
                    + Setting.BASE_MODEL.label() + " is unset)");
        }
        return chosen;
    }

    private static ModelFields fromSettings(Path file) {
        try {
            return ModelsDirectory.read(file).fields();
        } catch (IOException | RuntimeException e) {
            throw ServeException.badRequest("cannot use " + file + ": " + e.getMessage());
        }
    }
}
