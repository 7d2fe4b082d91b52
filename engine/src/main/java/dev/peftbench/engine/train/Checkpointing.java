package dev.peftbench.engine.train;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.InputField;

import java.nio.file.Path;

/**
 * What a run does with the folders around it: whether it may replace what its output folder already
 * holds, how often it saves a checkpoint there, and which checkpoint it continues.
 *
 * @param overwrite replace the files of an output folder that is not empty (else the run is refused)
 * @param saveSteps 0: no checkpoints; N: {@code checkpoint-<step>} in the output folder every N steps, as
 *                  transformers' Trainer names them, and one when the run is cancelled
 * @param resume    null: a fresh run; else a {@code checkpoint-<step>} folder, or a folder holding some
 *                  (the latest is continued)
 */
public record Checkpointing(boolean overwrite, int saveSteps, Path resume) {

    /** Refuse a non-empty output folder, save no checkpoints, start afresh. */
    public static final Checkpointing NONE = new Checkpointing(false, 0, null);

    public Checkpointing {
        if (saveSteps < 0) {
            throw EngineException.invalid("{0} must be >= 0 (0 = no checkpoints), got " + saveSteps, InputField.SAVE_STEPS);
        }
    }
}
