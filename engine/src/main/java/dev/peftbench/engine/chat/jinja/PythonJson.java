package dev.peftbench.engine.chat.jinja;

import java.math.BigDecimal;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code json.dumps(value, ensure_ascii, indent, separators, sort_keys)}, which transformers'
 * {@code tojson} filter calls (non-ASCII kept by default): {@code ", "} and {@code ": "} between items
 * unless indented, floats as {@code float.__repr__}, empty containers as {@code []} / {@code {}}.
 */
public record PythonJson(String indent, String itemSeparator, String keySeparator, boolean sortKeys, boolean ensureAscii) {

    /** {@code json.dumps} with transformers' defaults. */
    static final PythonJson DEFAULT = new PythonJson(null, ", ", ": ", false, false);

    /**
     * {@code json.dumps(value, indent=2, sort_keys=True)}: how peft's {@code PeftConfig.save_pretrained} writes
     * {@code adapter_config.json} (non-ASCII escaped, as {@code ensure_ascii} defaults to true).
     */
    public static final PythonJson SAVE_PRETRAINED = new PythonJson("  ", ",", ": ", true, true);

    /**
     * @param indent     null (one line), a number of spaces or a string
     * @param separators null or a two-item list {@code (item_separator, key_separator)}
     */
    static PythonJson of(Object indent, Object separators, boolean sortKeys, boolean ensureAscii) {
        String indentText = switch (indent) {
            case null -> null;
            case Number n -> " ".repeat(Math.max(0, n.intValue()));
            case CharSequence s -> s.toString();
            default -> throw new IllegalArgumentException("tojson indent must be a number or a string, got " + PythonValues.repr(indent));
        };
        String item = indentText == null ? ", " : ",";
        String key = ": ";
        if (separators != null) {
            List<?> pair = separators instanceof List<?> l ? l
                    : separators instanceof Object[] a ? Arrays.asList(a) : List.of();
            if (pair.size() != 2 || !(pair.get(0) instanceof CharSequence) || !(pair.get(1) instanceof CharSequence)) {
                throw new IllegalArgumentException("tojson separators must be two strings, got " + PythonValues.repr(separators));
            }
            item = pair.get(0).toString();
            key = pair.get(1).toString();
        }
        return new PythonJson(indentText, item, key, sortKeys, ensureAscii);
    }

    public String dumps(Object value) {
        StringBuilder out = new StringBuilder();
        write(out, value, 0);
        return out.toString();
    }

    private void write(StringBuilder out, Object value, int depth) {
        switch (value) {
            case null -> out.append("null");
            case Boolean b -> out.append(b ? "true" : "false");
            case Double d -> out.append(floatJson(d));
            case Float f -> out.append(floatJson(f.doubleValue()));
            case BigDecimal d -> out.append(floatJson(d.doubleValue()));
            case Number n -> out.append(n);
            case CharSequence s -> string(out, s.toString());
            case Map<?, ?> map -> object(out, map, depth);
            case Iterable<?> items -> array(out, items, depth);
            case Object[] items -> array(out, Arrays.asList(items), depth);
            default -> throw new IllegalArgumentException("Object of type " + value.getClass().getSimpleName()
                    + " is not JSON serializable");
        }
    }

    private void object(StringBuilder out, Map<?, ?> map, int depth) {
        if (map.isEmpty()) {
            out.append("{}");
            return;
        }
        List<Map.Entry<String, Object>> entries = new ArrayList<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            entries.add(new AbstractMap.SimpleImmutableEntry<>(key(e.getKey()), e.getValue()));
        }
        if (sortKeys) {
            entries.sort(Map.Entry.comparingByKey());
        }
        out.append('{');
        for (int i = 0; i < entries.size(); i++) {
            separate(out, i, depth + 1);
            string(out, entries.get(i).getKey());
            out.append(keySeparator);
            write(out, entries.get(i).getValue(), depth + 1);
        }
        close(out, depth);
        out.append('}');
    }

    private void array(StringBuilder out, Iterable<?> items, int depth) {
        if (!items.iterator().hasNext()) {
            out.append("[]");
            return;
        }
        out.append('[');
        int i = 0;
        for (Object item : items) {
            separate(out, i++, depth + 1);
            write(out, item, depth + 1);
        }
        close(out, depth);
        out.append(']');
    }

    private void separate(StringBuilder out, int index, int depth) {
        if (index > 0) {
            out.append(itemSeparator);
        }
        if (indent != null) {
            out.append('\n').append(indent.repeat(depth));
        }
    }

    private void close(StringBuilder out, int depth) {
        if (indent != null) {
            out.append('\n').append(indent.repeat(depth));
        }
    }

    /** Dict keys as json.dumps converts them: strings as they are, numbers, booleans and None spelled in JSON. */
    private static String key(Object key) {
        return switch (key) {
            case null -> "null";
            case CharSequence s -> s.toString();
            case Boolean b -> b ? "true" : "false";
            case Double d -> floatJson(d);
            case Number n -> n.toString();
            default -> throw new IllegalArgumentException("keys must be str, int, float, bool or None, not "
                    + key.getClass().getSimpleName());
        };
    }

    private static String floatJson(double d) {
        if (Double.isNaN(d)) {
            return "NaN";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "Infinity" : "-Infinity";
        }
        return PythonValues.floatRepr(d);
    }

    private void string(StringBuilder out, String s) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || (ensureAscii && c > 0x7e)) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }
}
