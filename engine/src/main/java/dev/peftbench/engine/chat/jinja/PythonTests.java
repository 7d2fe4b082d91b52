package dev.peftbench.engine.chat.jinja;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;

import java.util.List;
import java.util.Map;

/** {@code is} tests whose jinja2 meaning differs from Jinjava's: in Python strings and dicts are iterable. */
final class PythonTests {

    private PythonTests() {
    }

    static List<ExpTest> all() {
        return List.of(new Iterable(), new Sequence());
    }

    /** {@code is iterable}: strings, lists and dicts. */
    static final class Iterable implements ExpTest {
        @Override
        public String getName() {
            return "iterable";
        }

        @Override
        public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
            return var instanceof CharSequence || var instanceof java.lang.Iterable<?> || var instanceof Map<?, ?>
                    || var instanceof Object[];
        }
    }

    /** {@code is sequence}: anything with a length and items (strings, lists, dicts). */
    static final class Sequence implements ExpTest {
        @Override
        public String getName() {
            return "sequence";
        }

        @Override
        public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
            return var instanceof CharSequence || var instanceof java.util.Collection<?> || var instanceof Map<?, ?>
                    || var instanceof Object[];
        }
    }
}
