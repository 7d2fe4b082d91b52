package dev.peftbench.engine.train;

import dev.peftbench.engine.EngineException;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The PEFT methods this engine trains, by their command-line names and peft's {@code peft_type}. */
public enum TuningMethod {
    PROMPT_TUNING("prompt-tuning", "PROMPT_TUNING"),
    LORA("lora", "LORA");

    private final String label;
    private final String peftType;

    TuningMethod(String label, String peftType) {
        this.label = label;
        this.peftType = peftType;
    }

    public String label() {
        return label;
    }

    public String peftType() {
        return peftType;
    }

    public static TuningMethod parse(String text) {
        for (TuningMethod m : values()) {
            if (m.label.equalsIgnoreCase(text) || m.peftType.equalsIgnoreCase(text)) {
                return m;
            }
        }
        throw EngineException.invalid("unknown method '" + text + "'; supported: "
                + Arrays.stream(values()).map(TuningMethod::label).collect(Collectors.joining(", ")));
    }
}
