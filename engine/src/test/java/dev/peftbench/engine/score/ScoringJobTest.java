package dev.peftbench.engine.score;

import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.Golden;
import dev.peftbench.engine.GoldenRunner;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScoringJobTest {

    /** A row repeated in the data forwards nothing: its context's scores are handed over again, in its place. */
    @Test
    void aRepeatedContextIsForwardedOnceAndEveryRowGetsItsScores() {
        try (CountingModel model = new CountingModel(GoldenRunner.load(Golden.FIXTURES.resolve("tiny-bloom"), ComputeType.FLOAT32))) {
            List<int[]> targets = List.of(new int[] {114, 2}, new int[] {103, 272, 2});
            int[] a = {40, 41, 42, 43, 44};
            int[] b = {50, 51, 52};
            List<ScoringJob.Row> rows = List.of(new ScoringJob.Row(0, a, null), new ScoringJob.Row(1, b, null),
                    new ScoringJob.Row(2, a, null), new ScoringJob.Row(3, new int[0], "empty"), new ScoringJob.Row(4, b, null),
                    new ScoringJob.Row(5, a, null));
            List<RowScore> heard = new ArrayList<>();
            ScoringJob job = ScoringJob.of(model, null, null, 1, rows, List.of("x", "y"), targets, 2, heard::add);

            while (!job.runSlice(256)) {
                // the scheduler's turns
            }

            assertEquals(a.length + b.length + 2 * (1 + 2), model.positions, "each distinct context once, and its continuations");
            assertEquals(List.of(0, 1, 2, 3, 4, 5), heard.stream().map(RowScore::row).toList());
            assertArrayEquals(heard.get(0).logProbabilities(), heard.get(2).logProbabilities());
            assertArrayEquals(heard.get(0).logProbabilities(), heard.get(5).logProbabilities());
            assertArrayEquals(heard.get(1).logProbabilities(), heard.get(4).logProbabilities());
            assertTrue(!heard.get(3).scored());
            LabelScores scores = job.result().join();
            assertEquals(6, scores.rows().size());
        }
    }
}
