package dev.peftbench.engine.chat.jinja;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Collection;
import java.util.Iterator;
import java.util.Map;

/**
 * Python's {@code str()} and {@code repr()} of the values a template sees (JSON-shaped Java values and
 * Jinjava's wrappers), so that {@code {{ value }}} and {@code ~} print what jinja2 prints: {@code True},
 * {@code 1e-05}, {@code ['a', None]}, {@code {'k': 'v'}}. Jinjava has one null for both Python's None
 * and an undefined variable; printed on its own it is taken as undefined (nothing), the common case in
 * templates (a missing key), while inside a list or dict it is None.
 */
final class PythonValues {

    private PythonValues() {
    }

    /** {@code str(value)}; null (undefined) is empty. */
    static String str(Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof CharSequence || value instanceof Character) {
            return value.toString();
        }
        return repr(value);
    }

    /** {@code repr(value)}. */
    static String repr(Object value) {
        if (value == null) {
            return "None";
        }
        if (value instanceof Boolean b) {
            return b ? "True" : "False";
        }
        if (value instanceof Double || value instanceof Float) {
            return floatRepr(((Number) value).doubleValue());
        }
        if (value instanceof BigDecimal d) {
            return floatRepr(d.doubleValue());
        }
        if (value instanceof Number n) {
            return n.toString();
        }
        if (value instanceof CharSequence || value instanceof Character) {
            return stringRepr(value.toString());
        }
        if (value instanceof Map.Entry<?, ?> e) {
            return "(" + repr(e.getKey()) + ", " + repr(e.getValue()) + ")";
        }
        if (value instanceof Map<?, ?> map) {
            StringBuilder out = new StringBuilder("{");
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (out.length() > 1) {
                    out.append(", ");
                }
                out.append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
            }
            return out.append('}').toString();
        }
        if (value instanceof Iterable<?> items) {
            return sequenceRepr(items.iterator());
        }
        if (value instanceof Object[] array) {
            return sequenceRepr(java.util.Arrays.asList(array).iterator());
        }
        return value.toString();
    }

    private static String sequenceRepr(Iterator<?> items) {
        StringBuilder out = new StringBuilder("[");
        while (items.hasNext()) {
            out.append(repr(items.next()));
            if (items.hasNext()) {
                out.append(", ");
            }
        }
        return out.append(']').toString();
    }

    /**
     * {@code float.__repr__}: the shortest decimal that reads back as the same double (the closest one of
     * that length), fixed notation for decimal exponents -4..15, else {@code d.ddde+XX}. (Java's
     * {@code Double.toString} keeps at least two digits: 4.9E-324 where Python prints 5e-324.)
     */
    static String floatRepr(double d) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return d > 0 ? "inf" : "-inf";
        }
        if (d == 0) {
            return 1 / d < 0 ? "-0.0" : "0.0";
        }
        BigDecimal exact = new BigDecimal(d);
        BigDecimal shortest = exact;
        for (int digits = 1; digits <= 17; digits++) {
            BigDecimal rounded = exact.round(new MathContext(digits, RoundingMode.HALF_EVEN));
            if (rounded.doubleValue() == d) {
                shortest = rounded.stripTrailingZeros();
                break;
            }
        }
        String digits = shortest.unscaledValue().abs().toString();
        int exponent = digits.length() - 1 - shortest.scale();
        String sign = d < 0 ? "-" : "";
        if (exponent >= -4 && exponent < 16) {
            String plain = shortest.abs().toPlainString();
            return sign + (plain.contains(".") ? plain : plain + ".0");
        }
        String mantissa = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + String.format("%02d", Math.abs(exponent));
    }

    /** {@code str.__repr__}: single quotes unless the text has a single quote and no double quote. */
    static String stringRepr(String s) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        StringBuilder out = new StringBuilder().append(quote);
        s.codePoints().forEach(c -> {
            switch (c) {
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                default -> {
                    if (c == quote) {
                        out.append('\\').append((char) c);
                    } else if (c < 0x20 || c == 0x7f) {
                        out.append(String.format("\\x%02x", c));
                    } else {
                        out.appendCodePoint(c);
                    }
                }
            }
        });
        return out.append(quote).toString();
    }

    /** Python truthiness: None, False, 0, 0.0 and empty strings, lists and dicts are false. */
    static boolean truthy(Object value) {
        if (value == null) {
            return false;
        }
        if (value instanceof Boolean b) {
            return b;
        }
        if (value instanceof Number n) {
            return n.doubleValue() != 0;
        }
        if (value instanceof CharSequence s) {
            return !s.isEmpty();
        }
        if (value instanceof Collection<?> c) {
            return !c.isEmpty();
        }
        if (value instanceof Map<?, ?> m) {
            return !m.isEmpty();
        }
        return true;
    }
}
