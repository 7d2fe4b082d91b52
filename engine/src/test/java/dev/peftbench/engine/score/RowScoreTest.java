package dev.peftbench.engine.score;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What eval and v2 print from a row's scores: the softmax over the label set and the arg max. */
class RowScoreTest {

    @Test
    void probabilitiesAreTheSoftmaxOfTheScoresOverTheLabels() {
        RowScore row = new RowScore(0, 5, new double[] {Math.log(0.2), Math.log(0.05), Math.log(0.25)}, null);

        assertArrayEquals(new double[] {0.4, 0.1, 0.5}, row.probabilities(), 1e-12);
        assertEquals(2, row.best());
    }

    @Test
    void scoresFarBelowZeroStillGiveProbabilities() {
        RowScore row = new RowScore(0, 5, new double[] {-1000, -1001}, null);

        assertEquals(1 / (1 + Math.exp(-1)), row.probabilities()[0], 1e-12);
    }

    @Test
    void aTieGoesToTheFirstLabelAsNumpysArgmax() {
        assertEquals(1, new RowScore(0, 5, new double[] {-3, -1, -1}, null).best());
    }

    @Test
    void aSkippedRowHasNoPrediction() {
        RowScore skipped = RowScore.skipped(4, 0, "the prompt is empty after applying the template");

        assertThrows(IllegalStateException.class, skipped::best);
        assertThrows(IllegalArgumentException.class, () -> new RowScore(0, 1, new double[] {-1}, "both"));
    }
}
