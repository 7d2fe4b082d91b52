package dev.peftbench.engine.train;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.InputField;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/**
 * The rule for a run's output folder, checked before anything is read: a folder that holds files is
 * another run's work, kept unless the run may overwrite it ({@link Checkpointing#overwrite()}) or
 * continues a checkpoint saved inside it. Overwriting removes the checkpoints of the run it replaces, so
 * that every {@code checkpoint-<step>} in the folder belongs to the adapter beside it.
 */
final class OutputFolder {

    private OutputFolder() {
    }

    /** @throws EngineException for a non-empty folder the run may not write into */
    static void prepare(TuningJob job, Checkpoint resumed) {
        Path out = job.out();
        if (Files.isRegularFile(out)) {
            throw EngineException.invalid("{0} " + out + " is a file; name a folder for the adapter", InputField.OUT);
        }
        if (!Files.isDirectory(out) || isEmpty(out)) {
            return;
        }
        if (resumed != null && resumed.dir().toAbsolutePath().normalize().startsWith(out.toAbsolutePath().normalize())) {
            return;
        }
        if (!job.checkpointing().overwrite()) {
            boolean adapter = Files.isRegularFile(out.resolve(PeftAdapterFiles.CONFIG));
            throw EngineException.invalid("{0} " + out + " is not empty" + (adapter ? " (it holds an adapter)" : "")
                    + ": use {1} to replace what it holds, or name another folder", InputField.OUT, InputField.OVERWRITE);
        }
        try {
            for (Path checkpoint : Checkpoint.all(out)) {
                Checkpoint.deleteTree(checkpoint);
            }
        } catch (IOException e) {
            throw EngineException.invalid("cannot remove the replaced run's checkpoints in " + out + ": " + e.getMessage());
        }
    }

    private static boolean isEmpty(Path dir) {
        try (Stream<Path> entries = Files.list(dir)) {
            return entries.findAny().isEmpty();
        } catch (IOException e) {
            throw EngineException.invalid("cannot read {0} " + dir + ": " + e.getMessage(), InputField.OUT);
        }
    }
}
