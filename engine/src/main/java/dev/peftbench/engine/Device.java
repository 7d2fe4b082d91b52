package dev.peftbench.engine;

import java.util.Locale;

/** Where a model runs. GPU needs DJL's PyTorch engine to see a CUDA device. */
public enum Device {
    CPU, GPU;

    public static Device parse(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "cpu" -> CPU;
            case "gpu", "cuda" -> GPU;
            default -> throw EngineException.invalid("unknown device '" + text + "'; supported: cpu, gpu");
        };
    }
}
