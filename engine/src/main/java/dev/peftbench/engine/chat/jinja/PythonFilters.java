package dev.peftbench.engine.chat.jinja;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Filters whose jinja2 behaviour Jinjava lacks or differs from. */
final class PythonFilters {

    private PythonFilters() {
    }

    static List<Filter> all() {
        return List.of(new ToJson(), new Trim(), new Items(), new Str(), new Indent(), new Sum());
    }

    /**
     * A filter's arguments by position or keyword, as Python binds them: {@code values} holds the
     * defaults and receives the given ones.
     */
    private static Object[] bind(String filter, List<String> names, Object[] values, Object[] args, Map<String, Object> kwargs) {
        if (args.length > names.size()) {
            throw new IllegalArgumentException(filter + " takes at most " + names.size() + " arguments");
        }
        System.arraycopy(args, 0, values, 0, args.length);
        kwargs.forEach((name, value) -> {
            int i = names.indexOf(name);
            if (i < 0) {
                throw new IllegalArgumentException(filter + " got an unexpected keyword argument '" + name + "'");
            }
            values[i] = value;
        });
        return values;
    }

    /** Positional-only filters: Jinjava's String-typed entry point is never used. */
    private interface PositionalFilter extends Filter {
        @Override
        default Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
            return filter(var, interpreter, args, Map.of());
        }

        @Override
        Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs);
    }

    /**
     * transformers' {@code tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)}
     * (jinja2's own escapes HTML characters; Jinjava's is Jackson's compact form).
     */
    static final class ToJson implements PositionalFilter {
        private static final List<String> PARAMETERS = List.of("ensure_ascii", "indent", "separators", "sort_keys");

        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object[] values = bind("tojson", PARAMETERS, new Object[PARAMETERS.size()], args, kwargs);
            return PythonJson.of(values[1], values[2], PythonValues.truthy(values[3]), PythonValues.truthy(values[0]))
                    .dumps(var);
        }
    }

    /** jinja2's {@code trim(chars=None)}: {@code str.strip}, which keeps control characters Java's trim drops. */
    static final class Trim implements PositionalFilter {
        @Override
        public String getName() {
            return "trim";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object chars = args.length > 0 ? args[0] : kwargs.get("chars");
            return PythonStringMethods.strip(PythonValues.str(var), chars, true, true);
        }
    }

    /** jinja2's {@code items}: a dict's (key, value) pairs, empty for undefined. */
    static final class Items implements PositionalFilter {
        @Override
        public String getName() {
            return "items";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            if (var == null) {
                return List.of();
            }
            if (!(var instanceof Map<?, ?> map)) {
                throw new IllegalArgumentException("Can only get item pairs from a mapping.");
            }
            return new ArrayList<>(map.entrySet());
        }
    }

    /** jinja2's {@code string}: Python's {@code str()}. */
    static final class Str implements PositionalFilter {
        @Override
        public String getName() {
            return "string";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            return PythonValues.str(var);
        }
    }

    /**
     * jinja2's {@code indent(width=4, first=False, blank=False)}: every line after the first indented
     * (the first too with {@code first}), blank lines only with {@code blank}.
     */
    static final class Indent implements PositionalFilter {
        private static final List<String> PARAMETERS = List.of("width", "first", "blank");

        @Override
        public String getName() {
            return "indent";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object[] values = bind("indent", PARAMETERS, new Object[] {4L, false, false}, args, kwargs);
            String indentation = values[0] instanceof Number n ? " ".repeat(Math.max(0, n.intValue())) : PythonValues.str(values[0]);
            List<String> lines = PythonStringMethods.splitLines(PythonValues.str(var) + "\n");
            StringBuilder out = new StringBuilder(lines.isEmpty() ? "" : lines.get(0));
            for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
                out.append('\n');
                if (!line.isEmpty() || PythonValues.truthy(values[2])) {
                    out.append(indentation);
                }
                out.append(line);
            }
            return PythonValues.truthy(values[1]) ? indentation + out : out.toString();
        }
    }

    /** jinja2's {@code sum(attribute=None, start=0)}: integers stay integers. */
    static final class Sum implements PositionalFilter {
        @Override
        public String getName() {
            return "sum";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            Object attribute = args.length > 0 ? args[0] : kwargs.get("attribute");
            Object start = args.length > 1 ? args[1] : kwargs.getOrDefault("start", 0L);
            boolean integral = !(start instanceof Double || start instanceof Float);
            double total = ((Number) start).doubleValue();
            long integer = ((Number) start).longValue();
            if (var instanceof Iterable<?> items) {
                for (Object item : items) {
                    Object value = attribute == null ? item : interpreter.resolveProperty(item, List.of(attribute.toString()));
                    if (!(value instanceof Number n)) {
                        throw new IllegalArgumentException("unsupported operand type for +: " + PythonValues.repr(value));
                    }
                    integral &= !(n instanceof Double || n instanceof Float);
                    total += n.doubleValue();
                    integer += n.longValue();
                }
            }
            return integral ? (Object) integer : (Object) total;
        }
    }
}
