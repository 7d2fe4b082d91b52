package dev.peftbench.engine.generate;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SamplerTest {

    private static final float[] LOGITS = {0.1f, 2.0f, 1.9f, -1.0f, 2.0f, 0.5f};

    private static int[] draws(SamplingParams params, int n) {
        Sampler sampler = new Sampler(params);
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = sampler.sample(LOGITS.clone(), 0, LOGITS.length, null);
        }
        return out;
    }

    @Test
    void greedyTakesTheFirstOfTiedMaxima() {
        assertEquals(1, new Sampler(SamplingParams.DEFAULT).sample(LOGITS.clone(), 0, LOGITS.length, null));
    }

    @Test
    void greedyReadsOnlyItsOwnRowOfABatch() {
        // Three rows of 1003 logits back to back (not a multiple of any vector length); the middle row's
        // maximum is tied at ids 40 and 999 (the tail, past the last whole vector), and its neighbours hold
        // larger values that must not leak in.
        int vocab = 1003;
        float[] batch = new float[3 * vocab];
        java.util.Arrays.fill(batch, 0, vocab, 9f);
        java.util.Arrays.fill(batch, 2 * vocab, 3 * vocab, 9f);
        batch[vocab + 40] = 5f;
        batch[vocab + 999] = 5f;
        batch[vocab + 7] = Float.NaN;
        Sampler greedy = new Sampler(SamplingParams.DEFAULT);

        assertEquals(40, greedy.sample(batch, vocab, vocab, null));
        batch[vocab + 40] = 0f;
        assertEquals(999, greedy.sample(batch, vocab, vocab, null));
    }

    @Test
    void greedyMatchesAPlainScanOnRandomRows() {
        java.util.Random random = new java.util.Random(11);
        for (int trial = 0; trial < 200; trial++) {
            int vocab = 1 + random.nextInt(700);
            float[] row = new float[vocab];
            for (int i = 0; i < vocab; i++) {
                row[i] = random.nextInt(50) / 7f;  // coarse values, so maxima are often tied
            }
            int expected = 0;
            for (int i = 1; i < vocab; i++) {
                if (row[i] > row[expected]) {
                    expected = i;
                }
            }
            assertEquals(expected, Sampler.argmax(row, 0, vocab), "vocab " + vocab + ", trial " + trial);
        }
    }

    @Test
    void sameSeedRepeatsAndOtherSeedsDiffer() {
        SamplingParams p = SamplingParams.DEFAULT.withTemperature(1.0).withSeed(42L);
        assertArrayEquals(draws(p, 200), draws(p, 200));
        assertNotEquals(java.util.Arrays.toString(draws(p, 200)), java.util.Arrays.toString(draws(p.withSeed(43L), 200)));
    }

    @Test
    void topKOfOneKeepsTheTiesOfTheBest() {
        // TopKLogitsWarper keeps every logit >= the k-th largest: ids 1 and 4 (both 2.0).
        Set<Integer> seen = new HashSet<>();
        for (int id : draws(SamplingParams.DEFAULT.withTemperature(1.0).withTopK(1).withSeed(1L), 300)) {
            seen.add(id);
        }
        assertEquals(Set.of(1, 4), seen);
    }

    @Test
    void smallTopPKeepsOnlyTheMostLikely() {
        Set<Integer> seen = new HashSet<>();
        for (int id : draws(SamplingParams.DEFAULT.withTemperature(1.0).withTopP(0.2).withSeed(3L), 300)) {
            seen.add(id);
        }
        assertEquals(Set.of(1), seen, "only the first-ranked id holds the top 20% of the mass");
    }

    @Test
    void lowerTemperatureConcentratesTheDraws() {
        int hot = 0;
        int cold = 0;
        for (int id : draws(SamplingParams.DEFAULT.withTemperature(2.0).withSeed(5L), 2000)) {
            hot += (id == 1 || id == 4 || id == 2) ? 1 : 0;
        }
        for (int id : draws(SamplingParams.DEFAULT.withTemperature(0.3).withSeed(5L), 2000)) {
            cold += (id == 1 || id == 4 || id == 2) ? 1 : 0;
        }
        assertTrue(cold > hot, "cold " + cold + " vs hot " + hot);
        assertTrue(cold > 1900, "at T=0.3 the three top ids take nearly all the mass: " + cold);
    }

    @Test
    void repetitionPenaltyFollowsTransformersFormula() {
        float[] logits = {2.0f, -2.0f, 1.0f};
        Sampler.applyRepetitionPenalty(logits, 0, logits.length, new int[] {0, 1, 1}, 2.0f);
        assertArrayEquals(new float[] {1.0f, -4.0f, 1.0f}, logits);
        // Greedy with a penalty: id 0 (now 1.0) ties id 2 and wins as the lower id.
        float[] again = {2.0f, -2.0f, 1.5f};
        assertEquals(2, new Sampler(SamplingParams.DEFAULT.withRepetitionPenalty(2.0)).sample(again, 0, again.length, new int[] {0}));
    }

    @Test
    void aConstrainedGreedyPickIsTheBestAllowedIdLowestOnTies() {
        Sampler greedy = new Sampler(SamplingParams.DEFAULT);
        assertEquals(2, greedy.sample(LOGITS.clone(), 0, LOGITS.length, null, new int[] {0, 2, 3}));
        assertEquals(1, greedy.sample(LOGITS.clone(), 0, LOGITS.length, null, new int[] {1, 4}));
        assertEquals(5, greedy.sample(LOGITS.clone(), 0, LOGITS.length, null, new int[] {5}));
    }

    @Test
    void aConstrainedDrawNeverLeavesTheAllowedIdsAndReachesEach() {
        Sampler sampler = new Sampler(SamplingParams.DEFAULT.withTemperature(2.0).withSeed(9L));
        int[] allowed = {0, 3, 5};
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            int id = sampler.sample(LOGITS.clone(), 0, LOGITS.length, null, allowed);
            assertTrue(id == 0 || id == 3 || id == 5, "drew " + id);
            seen.add(id);
        }
        assertEquals(Set.of(0, 3, 5), seen);
        Sampler topK = new Sampler(SamplingParams.DEFAULT.withTemperature(1.0).withTopK(1).withSeed(1L));
        for (int i = 0; i < 50; i++) {
            assertEquals(5, topK.sample(LOGITS.clone(), 0, LOGITS.length, null, allowed), "top-k counts allowed ids only");
        }
    }
}
