package dev.peftbench.ui;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.generate.SamplingParams;
import dev.peftbench.engine.train.OptimizationSettings;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The workbench names the engine's fields by the labels of their controls. */
class UserMessageTest {

    @Test
    void anEngineBoundIsNamedByTheLabelOfItsControl() {
        EngineException e = assertThrows(EngineException.class,
                () -> new SamplingParams(5000, null, 0, 0, 1, 1, null, null));
        assertEquals("Run: Max new tokens must be between 1 and 4096, got 5000", UserMessage.of("Run", new CompletionException(e)));
    }

    @Test
    void aTuningSettingIsNamedByTheTunePagesLabel() {
        EngineException e = assertThrows(EngineException.class,
                () -> new OptimizationSettings(1, 1, null, null, null, -1, 0, 1, OptimizationSettings.DEFAULT_SEED, true));
        assertEquals("Tuning: Warm-up and Max steps must be >= 0", UserMessage.of("Tuning", e));
    }
}
