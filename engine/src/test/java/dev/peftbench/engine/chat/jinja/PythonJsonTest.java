package dev.peftbench.engine.chat.jinja;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Expected values are what CPython 3 prints ({@code repr}, {@code json.dumps}, slicing {@code range(n)}). */
class PythonJsonTest {

    @Test
    void floatsPrintAsPythonsRepr() {
        double[] values = {0.1, 1e16, 1e15, 1.5e-7, 123456789.123, 5e-324, 1.7976931348623157e308, -2.5, 0.0001, 0.00001, 100.0, -0.0};
        List<String> python = List.of("0.1", "1e+16", "1000000000000000.0", "1.5e-07", "123456789.123", "5e-324",
                "1.7976931348623157e+308", "-2.5", "0.0001", "1e-05", "100.0", "-0.0");
        for (int i = 0; i < values.length; i++) {
            assertEquals(python.get(i), PythonValues.floatRepr(values[i]));
        }
    }

    @Test
    void dumpsEscapesAsJsonDumpsWithAndWithoutEnsureAscii() {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("a", new ArrayList<>(Arrays.asList(1, 2.0, null, true, "é\u2028\u007f")));
        value.put("b", Map.of());
        assertEquals("{\"a\": [1, 2.0, null, true, \"\\u00e9\\u2028\\u007f\"], \"b\": {}}",
                PythonJson.of(null, null, false, true).dumps(value));
        assertEquals("{\"a\": [1, 2.0, null, true, \"é\u2028\u007f\"], \"b\": {}}", PythonJson.DEFAULT.dumps(value));
    }

    @Test
    void indentedDumpsKeepEmptyContainersOnOneLine() {
        assertEquals("[\n  []\n]", PythonJson.of(2L, null, false, false).dumps(List.of(List.of())));
        assertEquals("{\n\t\"k\": \"v\"\n}", PythonJson.of("\t", null, false, false).dumps(Map.of("k", "v")));
    }

    @Test
    void slicesSelectWhatPythonSelects() {
        assertArrayEquals(new int[] {4, 3, 2, 1, 0}, PythonSlice.indices(5, null, null, -1));
        assertArrayEquals(new int[] {1, 3}, PythonSlice.indices(5, 1, null, 2));
        assertArrayEquals(new int[] {0, 1, 2, 3}, PythonSlice.indices(5, null, -1, null));
        assertArrayEquals(new int[] {3, 2}, PythonSlice.indices(5, -2, 1, -1));
        assertArrayEquals(new int[] {}, PythonSlice.indices(5, 10, null, null));
        assertArrayEquals(new int[] {4}, PythonSlice.indices(5, 10, 3, -1));
    }
}
