package dev.peftbench.engine.load;

import dev.peftbench.engine.EngineException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Picks the weight format of a model or adapter folder, preferring safetensors as transformers does. */
final class WeightFiles {

    private static final List<String> CANDIDATES = List.of(
            "model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
            "adapter_model.safetensors", "adapter_model.bin");

    private WeightFiles() {
    }

    static WeightSource open(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw EngineException.notFound("folder " + dir + " does not exist");
        }
        for (String name : CANDIDATES) {
            Path file = dir.resolve(name);
            if (Files.isRegularFile(file)) {
                if (name.endsWith(".index.json")) {
                    return ShardedSafetensors.open(file);
                }
                return name.endsWith(".bin") ? TorchBinFile.open(file) : SafetensorsFile.open(file);
            }
        }
        throw EngineException.loadFailed(dir + " holds no weights: looked for " + String.join(", ", CANDIDATES));
    }
}
