package dev.peftbench.engine.generate;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class PrefillBudgetTest {

    private static final long MS = 1_000_000;

    @Test
    void withNothingDecodingAPromptGetsTheWholeCap() {
        PrefillBudget budget = new PrefillBudget(256, 400 * MS);
        budget.record(true, 64, 900 * MS);
        assertEquals(256, budget.next(false));
    }

    @Test
    void besideDecodingStreamsTheFirstChunkIsSmallUntilAStepIsMeasured() {
        assertEquals(16, new PrefillBudget(256, 400 * MS).next(true));
        assertEquals(8, new PrefillBudget(8, 400 * MS).next(true));
    }

    /** Decode rows alone take 100 ms; 50 positions beside them made a step of 300 ms: 4 ms each, so 75 fit in 400 ms. */
    @Test
    void theChunkFillsWhatTheDecodeRowsLeaveOfTheTarget() {
        PrefillBudget budget = new PrefillBudget(256, 400 * MS);
        budget.record(true, 0, 100 * MS);
        budget.record(true, 50, 300 * MS);
        assertEquals(75, budget.next(true));
    }

    /** As the prompt's cache grows its positions cost more (attention): the next chunk shrinks to the last step's cost. */
    @Test
    void theChunkShrinksAsPositionsGetDearer() {
        PrefillBudget budget = new PrefillBudget(256, 400 * MS);
        budget.record(true, 0, 100 * MS);
        budget.record(true, 75, 400 * MS);
        budget.record(true, 75, 550 * MS);
        assertEquals(50, budget.next(true));
    }

    @Test
    void theChunkStaysBetweenTheFloorAndTheCap() {
        PrefillBudget dear = new PrefillBudget(256, 400 * MS);
        dear.record(true, 0, 390 * MS);
        dear.record(true, 16, 2000 * MS);
        assertEquals(PrefillBudget.MIN_CHUNK, dear.next(true), "a prompt must move on even when decode rows fill the target");
        PrefillBudget cheap = new PrefillBudget(256, 400 * MS);
        cheap.record(true, 0, MS);
        cheap.record(true, 16, 2 * MS);
        assertEquals(256, cheap.next(true));
    }

    @Test
    void aTargetOfZeroKeepsTheFixedCap() {
        PrefillBudget budget = new PrefillBudget(64, 0);
        budget.record(true, 0, 100 * MS);
        budget.record(true, 64, 5000 * MS);
        assertEquals(64, budget.next(true));
    }

    @Test
    void refusesANegativeTargetOrAnEmptyCap() {
        assertThrows(IllegalArgumentException.class, () -> new PrefillBudget(0, 400 * MS));
        assertThrows(IllegalArgumentException.class, () -> new PrefillBudget(64, -1));
    }
}
