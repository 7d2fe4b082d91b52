package dev.peftbench.engine;

import java.util.Locale;

/**
 * Which tensor-operations implementation runs the architecture: Java Vector API kernels (the CPU
 * default) or DJL/PyTorch (GPU, and a cross-check on CPU). {@link #AUTO} picks by device.
 */
public enum Backend {
    AUTO, CPU, DJL;

    public static Backend parse(String text) {
        return switch (text.trim().toLowerCase(Locale.ROOT)) {
            case "auto" -> AUTO;
            case "cpu", "java", "vector" -> CPU;
            case "djl", "pytorch" -> DJL;
            default -> throw EngineException.invalid("unknown backend '" + text + "'; supported: auto, cpu, djl");
        };
    }
}
