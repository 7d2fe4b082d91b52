package dev.peftbench.engine.arch;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LogitsTest {

    @Test
    void rowsAreConsecutiveSlicesOfTheSharedArray() {
        // A buffer larger than needed, as the model keeps it after a bigger batch.
        float[] values = {1, 2, 3, 4, 5, 6, 99, 99};
        Logits logits = new Logits(values, 2, 3);

        assertEquals(0, logits.offset(0));
        assertEquals(3, logits.offset(1));
        assertArrayEquals(new float[] {4, 5, 6}, Arrays.copyOfRange(logits.values(), logits.offset(1), logits.offset(1) + logits.vocab()));
    }

    @Test
    void refusesRowsBeyondTheArray() {
        assertThrows(IllegalArgumentException.class, () -> new Logits(new float[5], 2, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> new Logits(new float[6], 2, 3).offset(2));
    }
}
