package dev.peftbench.engine.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** transformers' get_linear_schedule_with_warmup, as a LambdaLR stepped after each optimizer step applies it. */
class LearningRateScheduleTest {

    @Test
    void withoutWarmUpTheFirstStepUsesThePeakThenItFallsToZero() {
        LearningRateSchedule s = new LearningRateSchedule(0.1, 0, 4);
        assertEquals(0.1, s.rate(0), 1e-15);
        assertEquals(0.075, s.rate(1), 1e-15);
        assertEquals(0.025, s.rate(3), 1e-15);
        assertEquals(0.0, s.rate(4), 1e-15);
    }

    @Test
    void warmUpRisesFromZeroToThePeak() {
        LearningRateSchedule s = new LearningRateSchedule(1.0, 2, 6);
        assertEquals(0.0, s.rate(0), 1e-15);
        assertEquals(0.5, s.rate(1), 1e-15);
        assertEquals(1.0, s.rate(2), 1e-15);
        assertEquals(0.75, s.rate(3), 1e-15);
        assertEquals(0.25, s.rate(5), 1e-15);
    }
}
