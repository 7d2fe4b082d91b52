package dev.peftbench.engine.generate;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.FinishReason;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class StopConditionTest {

    @Test
    void reportsEosStopStringAndLength() {
        SamplingParams p = SamplingParams.DEFAULT.withMaxNewTokens(3).withEosTokenIds(List.of(7)).withStop(List.of("END"));
        assertEquals(FinishReason.EOS_TOKEN, new StopCondition(p).check(List.of(1, 7), ""));
        assertEquals(FinishReason.STOP_SEQUENCE, new StopCondition(p).check(List.of(1), "abc END"));
        assertEquals(FinishReason.LENGTH, new StopCondition(p).check(List.of(1, 2, 3), "abc"));
        assertEquals(null, new StopCondition(p).check(List.of(1, 2), "abc"));
        assertEquals(4, new StopCondition(p).stopIndex("abc END more"));
    }

    @Test
    void aStopStringSplitOverTokensIsFound() {
        StopCondition stop = new StopCondition(SamplingParams.DEFAULT.withMaxNewTokens(100).withEosTokenIds(List.of())
                .withStop(List.of("STOP", "xy")));
        List<Integer> ids = new ArrayList<>();
        for (String delta : List.of("aaS", "", "T", "O")) {
            ids.add(1);
            assertEquals(null, stop.check(ids, delta), delta);
        }
        ids.add(1);
        assertEquals(FinishReason.STOP_SEQUENCE, stop.check(ids, "Pzz"));
    }

    /** The incremental match agrees with searching the whole text after every token, on random texts and splits. */
    @Test
    void findsAStopExactlyWhenTheWholeTextFirstHoldsOne() {
        Random random = new Random(42);
        for (int round = 0; round < 2000; round++) {
            List<String> stops = new ArrayList<>();
            for (int i = 0, n = 1 + random.nextInt(4); i < n; i++) {
                stops.add(text(random, 1 + random.nextInt(5)));
            }
            StopCondition stop = new StopCondition(SamplingParams.DEFAULT.withMaxNewTokens(1000).withEosTokenIds(List.of())
                    .withStop(stops));
            StringBuilder whole = new StringBuilder();
            List<Integer> ids = new ArrayList<>();
            for (int token = 0; token < 60; token++) {
                String delta = text(random, random.nextInt(4));
                whole.append(delta);
                ids.add(1);
                boolean expected = stops.stream().anyMatch(s -> whole.indexOf(s) >= 0);
                assertEquals(expected, stop.check(ids, delta) == FinishReason.STOP_SEQUENCE, stops + " in " + whole);
                if (expected) {
                    break;
                }
            }
        }
    }

    private static String text(Random random, int length) {
        StringBuilder sb = new StringBuilder(length);
        for (int i = 0; i < length; i++) {
            sb.append("abc".charAt(random.nextInt(3)));
        }
        return sb.toString();
    }

    @Test
    void theNumberAndLengthOfStopStringsAreBounded() {
        EngineException many = assertThrows(EngineException.class, () -> SamplingParams.DEFAULT.withStop(
                java.util.stream.IntStream.range(0, SamplingParams.MAX_STOP_STRINGS + 1).mapToObj(i -> "s" + i).toList()));
        assertTrue(many.getMessage().contains("at most " + SamplingParams.MAX_STOP_STRINGS), many.getMessage());
        EngineException longOne = assertThrows(EngineException.class,
                () -> SamplingParams.DEFAULT.withStop(List.of("x".repeat(SamplingParams.MAX_STOP_LENGTH + 1))));
        assertTrue(longOne.getMessage().contains(String.valueOf(SamplingParams.MAX_STOP_LENGTH)), longOne.getMessage());
        SamplingParams.DEFAULT.withStop(java.util.Collections.nCopies(SamplingParams.MAX_STOP_STRINGS,
                "x".repeat(SamplingParams.MAX_STOP_LENGTH)));
    }
}
