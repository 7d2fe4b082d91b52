package dev.peftbench.engine.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.engine.Device;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.FieldMessage;
import dev.peftbench.engine.Golden;
import dev.peftbench.engine.InputField;
import dev.peftbench.engine.hub.HubSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checkpoints and resuming: a run cut short and resumed from a checkpoint ends with the adapter an
 * uninterrupted run ends with, bit for bit (LoRA with dropout, shuffled epochs, accumulated batches and a
 * warm-up, so the optimizer state, the order and the masks must all continue where they were); the output
 * folder of another run is kept unless overwritten; a checkpoint is continued only by the run that saved it.
 */
class CheckpointTest {

    @TempDir
    Path tmp;

    private static final MethodSettings LORA = MethodSettings.lora(4, 8.0, 0.2, null, null);
    /** 8 rows in batches of 2, two per step: 2 steps an epoch, 3 epochs, warm-up over 2 steps. */
    private static final OptimizationSettings SIX_STEPS = new OptimizationSettings(3, 2, 1e-2, Optimizer.Kind.ADAMW, null, 2, 0,
            2, 11, true);

    private TuningJob job(Path out, Checkpointing checkpointing) throws IOException {
        return job(out, checkpointing, SIX_STEPS);
    }

    private TuningJob job(Path out, Checkpointing checkpointing, OptimizationSettings optimization) throws IOException {
        return new TuningJob(Golden.folder("tiny-bloom").toString(), null, Device.CPU,
                TuningData.of(TrainerTest.csv(tmp, TrainerTest.ROWS), "Tweet text", "text_label"), LORA, optimization, out,
                checkpointing);
    }

    private static TuningResult run(TuningJob job, TuningListener listener, BooleanSupplier cancelled) {
        return new Trainer(HubSettings.fromEnvironment()).run(job, listener, cancelled);
    }

    private static byte[] weights(Path dir) throws IOException {
        return Files.readAllBytes(dir.resolve(PeftAdapterFiles.WEIGHTS));
    }

    /** A listener that counts the steps, so a run can be cut short after some. */
    private static final class Steps implements TuningListener {
        final AtomicInteger done = new AtomicInteger();
        final List<String> warnings = new ArrayList<>();

        @Override
        public void step(StepReport step) {
            done.set(step.step());
        }

        @Override
        public void warning(FieldMessage message) {
            warnings.add(message.toString());
        }
    }

    @Test
    void aRunResumedFromACheckpointEndsWithTheAdapterOfAnUninterruptedRunBitForBit() throws IOException {
        Path whole = tmp.resolve("whole");
        TuningResult uninterrupted = run(job(whole, new Checkpointing(false, 2, null)), TuningListener.NONE, () -> false);
        assertEquals(6, uninterrupted.steps());
        for (int step : List.of(2, 4, 6)) {
            Path checkpoint = whole.resolve("checkpoint-" + step);
            for (String file : List.of(PeftAdapterFiles.WEIGHTS, PeftAdapterFiles.CONFIG, Checkpoint.OPTIMIZER, Checkpoint.STATE)) {
                assertTrue(Files.isRegularFile(checkpoint.resolve(file)), checkpoint + "/" + file);
            }
        }
        assertArrayEquals(weights(whole), weights(whole.resolve("checkpoint-6")));

        // cut short after step 3 (mid-epoch): checkpoint-2 by --save-steps, checkpoint-3 on the way out
        Path cut = tmp.resolve("cut");
        Steps steps = new Steps();
        TuningResult interrupted = run(job(cut, new Checkpointing(false, 2, null)), steps, () -> steps.done.get() >= 3);
        assertTrue(interrupted.interrupted());
        assertTrue(Files.isDirectory(cut.resolve("checkpoint-2")) && Files.isDirectory(cut.resolve("checkpoint-3")));
        assertFalse(java.util.Arrays.equals(weights(whole), weights(cut)), "three steps are not six");

        // resumed from checkpoint-2 into another folder, and from the cut run's folder itself (its latest, checkpoint-3)
        Path elsewhere = tmp.resolve("resumed");
        TuningResult fromTwo = run(job(elsewhere, new Checkpointing(false, 0, cut.resolve("checkpoint-2"))), TuningListener.NONE,
                () -> false);
        assertEquals(6, fromTwo.steps());
        assertEquals(uninterrupted.losses(), fromTwo.losses(), "the losses before the checkpoint are its, those after repeat");
        assertArrayEquals(weights(whole), weights(elsewhere));
        run(job(cut, new Checkpointing(false, 0, cut)), TuningListener.NONE, () -> false);
        assertArrayEquals(weights(whole), weights(cut));
        JsonNode record = new ObjectMapper().readTree(cut.resolve(TrainingRecord.FILE).toFile());
        assertEquals(cut.resolve("checkpoint-3").toString(), record.get("resumed_from").asText());
        assertEquals(6, record.get("loss_curve").size());
    }

    @Test
    void aFolderHoldingAnotherRunIsKeptUnlessOverwrittenWithItsCheckpoints() throws IOException {
        Path out = tmp.resolve("adapter");
        run(job(out, new Checkpointing(false, 3, null)), TuningListener.NONE, () -> false);
        byte[] first = weights(out);
        EngineException refused = assertThrows(EngineException.class,
                () -> run(job(out, Checkpointing.NONE), TuningListener.NONE, () -> false));
        assertEquals("out " + out + " is not empty (it holds an adapter): use overwrite to replace what it holds, "
                + "or name another folder", refused.getMessage());
        assertEquals(List.of(InputField.OUT, InputField.OVERWRITE), refused.fields());
        assertArrayEquals(first, weights(out), "the refused run wrote nothing");

        OptimizationSettings other = new OptimizationSettings(1, 2, 1e-2, Optimizer.Kind.ADAMW, null, 0, 0, 1, 5, true);
        run(job(out, new Checkpointing(true, 0, null), other), TuningListener.NONE, () -> false);
        assertFalse(java.util.Arrays.equals(first, weights(out)));
        assertEquals(List.of(), Checkpoint.all(out), "the replaced run's checkpoints go with it");
        Files.createDirectories(tmp.resolve("empty"));
        run(job(tmp.resolve("empty"), Checkpointing.NONE, other), TuningListener.NONE, () -> false);
    }

    @Test
    void aCheckpointContinuesOnlyTheRunThatSavedIt() throws IOException {
        Path out = tmp.resolve("saved");
        Steps steps = new Steps();
        run(job(out, new Checkpointing(false, 2, null)), steps, () -> steps.done.get() >= 2);
        OptimizationSettings otherLr = new OptimizationSettings(3, 2, 2e-2, Optimizer.Kind.ADAMW, null, 2, 0, 2, 11, true);
        EngineException e = assertThrows(EngineException.class, () -> run(job(tmp.resolve("other"),
                new Checkpointing(false, 0, out.resolve("checkpoint-2")), otherLr), TuningListener.NONE, () -> false));
        assertTrue(e.getMessage().contains("was saved by another run: settings.learning_rate: saved 0.01, now 0.02"), e.getMessage());
        EngineException none = assertThrows(EngineException.class, () -> run(job(tmp.resolve("x"),
                new Checkpointing(false, 0, tmp)), TuningListener.NONE, () -> false));
        assertTrue(none.getMessage().contains("is no checkpoint"), none.getMessage());
    }

    @Test
    void labelsEndingInAnIdTheModelDoesNotStopAtAreWarnedAbout() throws IOException {
        // tiny BLOOM stops at 3 (the reference scenario's id); its tokenizer's eos, 2, ends the labels by default
        Steps steps = new Steps();
        run(job(tmp.resolve("eos"), Checkpointing.NONE), steps, () -> steps.done.get() >= 1);
        assertEquals(1, steps.warnings.size(), steps.warnings.toString());
        assertTrue(steps.warnings.getFirst().startsWith("the labels end with id 2 (the tokenizer's eos), which is not one of "
                + "the ids BloomForCausalLM stops at [3]") && steps.warnings.getFirst().contains("eos_token_id 3"),
                steps.warnings.getFirst());

        Steps stopping = new Steps();
        TuningJob endsAtThree = new TuningJob(Golden.folder("tiny-bloom").toString(), null, Device.CPU,
                new TuningData(TrainerTest.csv(tmp, TrainerTest.ROWS), "Tweet text", "text_label", "seed", 0, null, false, 3, false),
                LORA, SIX_STEPS, tmp.resolve("eos3"));
        run(endsAtThree, stopping, () -> stopping.done.get() >= 1);
        assertEquals(List.of(), stopping.warnings);
    }
}
