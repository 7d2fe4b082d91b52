package dev.peftbench.engine.chat.jinja;

import com.hubspot.jinjava.el.ext.AstRangeBracket;
import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code value[start:stop:step]} on lists and strings (Qwen3's template walks
 * {@code messages[::-1]}); Jinjava's own range bracket has no step.
 */
final class PythonSlice extends AstRangeBracket {

    private final AstNode step;

    PythonSlice(AstNode base, AstNode start, AstNode stop, AstNode step, boolean lvalue, boolean strict,
                boolean ignoreReturnType) {
        super(base, start, stop, lvalue, strict, ignoreReturnType);
        this.step = step;
    }

    @Override
    public Object eval(Bindings bindings, ELContext context) {
        Object base = prefix.eval(bindings, context);
        Integer start = index(property, bindings, context);
        Integer stop = index(rangeMax, bindings, context);
        Integer stride = index(step, bindings, context);
        if (base instanceof CharSequence s) {
            int[] codePoints = s.codePoints().toArray();
            StringBuilder out = new StringBuilder();
            for (int i : indices(codePoints.length, start, stop, stride)) {
                out.appendCodePoint(codePoints[i]);
            }
            return out.toString();
        }
        List<?> items = switch (base) {
            case null -> List.of();
            case List<?> l -> l;
            case Object[] a -> Arrays.asList(a);
            case Map<?, ?> m -> throw new ELException("a dict cannot be sliced");
            case Iterable<?> it -> {
                List<Object> copy = new ArrayList<>();
                it.forEach(copy::add);
                yield copy;
            }
            default -> throw new ELException("'" + base.getClass().getSimpleName() + "' object is not subscriptable");
        };
        List<Object> out = new ArrayList<>();
        for (int i : indices(items.size(), start, stop, stride)) {
            out.add(items.get(i));
        }
        return out;
    }

    private static Integer index(AstNode node, Bindings bindings, ELContext context) {
        if (node == null) {
            return null;
        }
        Object value = node.eval(bindings, context);
        if (value == null) {
            return null;
        }
        if (!(value instanceof Number n)) {
            throw new ELException("slice indices must be integers or None");
        }
        return n.intValue();
    }

    /** The positions {@code range(len)[start:stop:step]} selects (CPython's {@code PySlice_AdjustIndices}). */
    static int[] indices(int length, Integer start, Integer stop, Integer step) {
        int by = step == null ? 1 : step;
        if (by == 0) {
            throw new ELException("slice step cannot be zero");
        }
        int from = bound(start, length, by, by < 0 ? length - 1 : 0);
        int to = bound(stop, length, by, by < 0 ? -1 : length);
        List<Integer> out = new ArrayList<>();
        for (int i = from; by > 0 ? i < to : i > to; i += by) {
            out.add(i);
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int bound(Integer value, int length, int step, int absent) {
        if (value == null) {
            return absent;
        }
        int v = value < 0 ? value + length : value;
        if (v < 0) {
            return step < 0 ? -1 : 0;
        }
        if (v >= length) {
            return step < 0 ? length - 1 : length;
        }
        return v;
    }
}
