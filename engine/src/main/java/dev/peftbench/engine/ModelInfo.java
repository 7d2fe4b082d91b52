package dev.peftbench.engine;

import java.nio.file.Path;

/** What was found in a base model's snapshot folder (shown by the UI, reported by metadata). */
public record ModelInfo(Path dir, String architecture, long parameterCount, String weightDType, int vocabSize,
                        int hiddenSize, int layers, int heads) {
}
