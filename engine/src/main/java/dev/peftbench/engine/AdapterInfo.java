package dev.peftbench.engine;

import java.nio.file.Path;
import java.util.Map;

/**
 * What was found in a PEFT adapter folder: its {@code peft_type} and the settings that matter
 * (e.g. {@code num_virtual_tokens}; {@code r}, {@code lora_alpha}, {@code target_modules}).
 */
public record AdapterInfo(Path dir, String peftType, Map<String, Object> settings) {
    public AdapterInfo {
        settings = Map.copyOf(settings);
    }
}
