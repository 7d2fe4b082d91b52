package dev.peftbench.serve.repository;

import dev.peftbench.contract.ModelFields;
import dev.peftbench.contract.Setting;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Setting#MODELS_DIR}: one sub-folder per model, each with a {@code model-settings.json} in
 * MLServer's shape. The project reads {@code name}, {@code parameters.version} and, in
 * {@code parameters.extra}, {@code base_model}, {@code adapter}, {@code template}, {@code text_column},
 * {@code dtype}, {@code backend}, {@code device} (the reference runtime's variable names, lower-cased,
 * are accepted too). Relative paths that exist inside the sub-folder are resolved against it; anything
 * else (a Hub id) is kept as written.
 */
public final class ModelsDirectory {

    public static final String SETTINGS_FILE = "model-settings.json";
    private static final Logger LOG = LoggerFactory.getLogger(ModelsDirectory.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;

    public ModelsDirectory(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /** Every readable model-settings.json below the folder; unreadable ones are logged and skipped. */
    public List<ModelSettings> scan() {
        List<ModelSettings> out = new ArrayList<>();
        if (!Files.isDirectory(dir)) {
            return out;
        }
        try (Stream<Path> files = Files.walk(dir, 3)) {
            for (Path f : files.filter(p -> p.getFileName().toString().equals(SETTINGS_FILE)).sorted().toList()) {
                try {
                    out.add(read(f));
                } catch (RuntimeException | IOException e) {
                    LOG.warn("skipping {}: {}", f, e.getMessage());
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot list {}: {}", dir, e.getMessage());
        }
        return out;
    }

    public Optional<ModelSettings> find(String name) {
        return scan().stream().filter(s -> s.name().equals(name)).findFirst();
    }

    public static ModelSettings read(Path file) throws IOException {
        JsonNode root = JSON.readTree(file.toFile());
        if (root == null || !root.isObject()) {
            throw new IOException("not a JSON object");
        }
        Path folder = file.getParent();
        JsonNode params = root.path("parameters");
        JsonNode extra = params.path("extra");
        String name = text(root, "name");
        if (name == null) {
            name = folder.getFileName().toString();
        }
        ModelFields fields = new ModelFields(
                path(folder, first(extra, "base_model", "pretrained_model_path", "model")),
                path(folder, first(extra, "adapter", "peft_model_id")),
                first(extra, "template"),
                first(extra, "text_column", "dataset_text_column_name"),
                text(params, "version"),
                ModelFields.parse(first(extra, "dtype"), Setting.DTYPE, file + ": parameters.extra.dtype"),
                ModelFields.parse(first(extra, "backend"), Setting.BACKEND, file + ": parameters.extra.backend"),
                ModelFields.parse(first(extra, "device"), Setting.DEVICE, file + ": parameters.extra.device"));
        return new ModelSettings(name, fields);
    }

    private static String first(JsonNode node, String... keys) {
        for (String k : keys) {
            String v = text(node, k);
            if (v != null) {
                return v;
            }
        }
        return null;
    }

    private static String text(JsonNode node, String key) {
        JsonNode v = node.get(key);
        return v == null || v.isNull() || v.asText().isBlank() ? null : v.asText();
    }

    private static String path(Path folder, String value) {
        if (value == null) {
            return null;
        }
        Path p = folder.resolve(value);
        return Files.exists(p) ? p.toAbsolutePath().normalize().toString() : value;
    }
}
