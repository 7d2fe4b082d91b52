package dev.peftbench.engine;

import java.nio.file.Path;
import java.util.List;

/**
 * What was found in a base model's snapshot folder (shown by the UI, reported by metadata).
 *
 * @param eosTokenIds the ids that end a generation whose request names none
 */
public record ModelInfo(Path dir, String architecture, long parameterCount, String weightDType, int vocabSize,
                        int hiddenSize, int layers, int heads, List<Integer> eosTokenIds) {
    public ModelInfo {
        eosTokenIds = List.copyOf(eosTokenIds);
    }
}
