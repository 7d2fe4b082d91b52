package dev.peftbench.engine.train;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.chat.jinja.PythonJson;
import dev.peftbench.engine.load.DType;
import dev.peftbench.engine.load.SafetensorsWriter;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes an adapter as {@code PeftModel.save_pretrained} does: {@code adapter_config.json}
 * ({@code json.dumps(config.to_dict(), indent=2, sort_keys=True)}) and {@code adapter_model.safetensors}
 * (every tensor float32 under peft's names, laid out as the safetensors library orders them: by name, the
 * header starting with {@code __metadata__ {"format": "pt"}}). Each file is written beside its place and
 * moved there when complete, so an interrupted write never leaves half an adapter.
 */
public final class PeftAdapterFiles {

    public static final String CONFIG = "adapter_config.json";
    public static final String WEIGHTS = "adapter_model.safetensors";

    private PeftAdapterFiles() {
    }

    public static void write(Path dir, TrainableAdapter adapter, String baseModel) {
        try {
            Files.createDirectories(dir);
            Path config = dir.resolve(CONFIG + ".partial");
            Files.writeString(config, PythonJson.SAVE_PRETRAINED.dumps(adapter.peftConfig(baseModel)), StandardCharsets.UTF_8);
            List<Parameter> tensors = adapter.parameters().stream().sorted(Comparator.comparing(Parameter::name)).toList();
            Map<String, float[]> values = new HashMap<>();
            tensors.forEach(p -> values.put(p.name(), p.values()));
            Path weights = dir.resolve(WEIGHTS + ".partial");
            SafetensorsWriter.write(weights, Map.of("format", "pt"), tensors.stream()
                            .map(p -> new SafetensorsWriter.Entry(p.name(), DType.F32, new long[] {p.rows(), p.cols()})).toList(),
                    e -> values.get(e.name()));
            move(weights, dir.resolve(WEIGHTS));
            move(config, dir.resolve(CONFIG));
        } catch (IOException e) {
            throw EngineException.invalid("cannot write the adapter to " + dir + ": " + e.getMessage());
        }
    }

    static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
