package dev.peftbench.engine.generate;

import org.junit.jupiter.api.Test;

import java.util.Comparator;
import java.util.Random;
import java.util.stream.IntStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class LogprobReaderTest {

    @Test
    void topIdsAreAStableSortsFirstOnesWithinItsOwnRow() {
        Random random = new Random(3);
        for (int trial = 0; trial < 300; trial++) {
            int vocab = 1 + random.nextInt(900);
            int pad = random.nextInt(40);
            float[] row = new float[pad + vocab + pad];
            java.util.Arrays.fill(row, 99f); // neighbours' rows must not leak in
            for (int i = 0; i < vocab; i++) {
                row[pad + i] = random.nextInt(40) / 3f; // coarse: many ties
            }
            if (vocab > 5) {
                row[pad + random.nextInt(vocab)] = Float.NaN;
            }
            int n = random.nextInt(22);
            int[] expected = IntStream.range(0, vocab).boxed().filter(i -> !Float.isNaN(row[pad + i]))
                    .sorted(Comparator.comparingDouble((Integer i) -> -row[pad + i])) // stable: lower id first on ties
                    .limit(n).mapToInt(Integer::intValue).toArray();
            assertArrayEquals(expected, LogprobReader.topIds(row, pad, vocab, n), "trial " + trial);
        }
    }

    @Test
    void logSumExpMatchesDoubleOnAWideVocabulary() {
        Random random = new Random(5);
        int vocab = 250_880; // bloomz-560m's rows
        float[] row = new float[vocab + 7];
        for (int i = 0; i < row.length; i++) {
            row[i] = (float) (random.nextGaussian() * 4 + 30); // large logits: the shift keeps exp finite
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 7; i < row.length; i++) {
            max = Math.max(max, row[i]);
        }
        double sum = 0;
        for (int i = 7; i < row.length; i++) {
            sum += Math.exp(row[i] - max);
        }
        assertEquals(max + Math.log(sum), LogprobReader.logSumExp(row, 7, vocab), 1e-5);
    }
}
