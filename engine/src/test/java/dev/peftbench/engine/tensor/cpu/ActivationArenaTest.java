package dev.peftbench.engine.tensor.cpu;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

class ActivationArenaTest {

    @Test
    void anArrayGivenBackIsReusedZeroedForTheSameLength() {
        ActivationArena arena = new ActivationArena();
        float[] first = arena.take(16);
        first[3] = 42f;
        arena.giveBack(first);

        float[] again = arena.take(16);

        assertSame(first, again);
        assertArrayEquals(new float[16], again);
    }

    @Test
    void arraysItDidNotHandOutAreNeverReused() {
        ActivationArena arena = new ActivationArena();
        float[] weight = new float[8];
        arena.giveBack(weight);

        assertNotSame(weight, arena.take(8));
    }

    @Test
    void anArrayGivenBackTwiceIsHandedOutOnce() {
        ActivationArena arena = new ActivationArena();
        float[] once = arena.take(4);
        arena.giveBack(once);
        arena.giveBack(once);

        float[] a = arena.take(4);
        float[] b = arena.take(4);

        assertNotSame(a, b);
    }

    /** A request takes the smallest free array that holds it: a batch a few rows smaller reuses a larger one. */
    @Test
    void aSmallerRequestReusesTheSmallestLargerArrayZeroedOverItsLength() {
        ActivationArena arena = new ActivationArena();
        float[] large = arena.take(1000);
        float[] larger = arena.take(5000);
        Arrays.fill(large, 7f);
        arena.giveBack(large);
        arena.giveBack(larger);

        float[] reused = arena.take(600);

        assertSame(large, reused);
        assertEquals(1024, reused.length, "capacities are powers of two");
        assertArrayEquals(new float[600], Arrays.copyOf(reused, 600));
    }

    @Test
    void capacitiesArePowersOfTwoHoldingTheLength() {
        assertEquals(16, ActivationArena.capacityFor(1));
        assertEquals(16, ActivationArena.capacityFor(16));
        assertEquals(32, ActivationArena.capacityFor(17));
        assertEquals(1 << 22, ActivationArena.capacityFor(16 * 250880));
    }

    /** A batch that shrank for many steps and grows again finds the arrays of its earlier, wider steps. */
    @Test
    void arraysOfAWiderStepStayThroughManyNarrowerSteps() {
        ActivationArena arena = new ActivationArena();
        float[] wide = arena.take(100_000);
        arena.giveBack(wide);
        arena.endStep();
        for (int step = 0; step < 1000; step++) {
            arena.giveBack(arena.take(10));
            arena.endStep();
        }

        assertEquals(4L * (131_072 + 16), arena.heldBytes());
        assertSame(wide, arena.take(100_000));
    }

    @Test
    void aRequestTakesNoArrayMoreThanFourTimesItsCapacity() {
        ActivationArena arena = new ActivationArena();
        float[] logits = arena.take(16 * 250880);
        arena.giveBack(logits);

        assertNotSame(logits, arena.take(1024), "a small activation leaves the logits' array alone");
        assertSame(logits, arena.take(4 * 250880), "a batch of 4 reuses the array of 16");
    }
}
