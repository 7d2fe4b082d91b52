package dev.peftbench.engine.tensor.cpu;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;

class ActivationArenaTest {

    @Test
    void anArrayGivenBackIsReusedZeroedForTheSameLength() {
        ActivationArena arena = new ActivationArena();
        float[] first = arena.take(8);
        first[3] = 42f;
        arena.giveBack(first);

        float[] again = arena.take(8);

        assertSame(first, again);
        assertArrayEquals(new float[8], again);
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

    @Test
    void aStepDropsArraysOfSizesItDidNotUse() {
        ActivationArena arena = new ActivationArena();
        arena.giveBack(arena.take(1000));
        arena.endStep();
        assertEquals(4000, arena.heldBytes());

        // The next step has another shape: the 1000-value array is not kept for a shape that may not come back.
        arena.giveBack(arena.take(10));
        arena.endStep();

        assertEquals(40, arena.heldBytes());
    }
}
