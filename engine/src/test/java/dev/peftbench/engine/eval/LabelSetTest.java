package dev.peftbench.engine.eval;

import dev.peftbench.engine.EngineException;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LabelSetTest {

    @Test
    void theDefaultIsTheDataLabelsSortedAsPythonSortsStrings() {
        List<EvalRow> rows = List.of(new EvalRow(0, "t", "no complaint"), new EvalRow(1, "t", "complaint"),
                new EvalRow(2, "t", ""), new EvalRow(3, "t", null), new EvalRow(4, "t", "complaint"),
                // U+FF5E sorts before U+1F600 by code point, after it in UTF-16 code units
                new EvalRow(5, "t", "\uD83D\uDE00"), new EvalRow(6, "t", "\uFF5E"), new EvalRow(7, "t", "Zebra"));

        assertEquals(List.of("Zebra", "complaint", "no complaint", "\uFF5E", "\uD83D\uDE00"), LabelSet.ofRows(rows).labels());
    }

    @Test
    void emptyOrRepeatedLabelsAreRefused() {
        assertEquals("the labels name 'a' twice",
                assertThrows(EngineException.class, () -> new LabelSet(List.of("a", "b", "a"))).getMessage());
        assertThrows(EngineException.class, () -> new LabelSet(List.of("a", "")));
        assertThrows(EngineException.class, () -> new LabelSet(List.of()));
        assertThrows(EngineException.class, () -> LabelSet.ofRows(List.of(new EvalRow(0, "t", ""))));
    }
}
