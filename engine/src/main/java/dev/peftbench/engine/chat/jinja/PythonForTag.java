package dev.peftbench.engine.chat.jinja;

import com.hubspot.jinjava.interpret.InterpretException;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.NullValue;
import com.hubspot.jinjava.lib.tag.ElseTag;
import com.hubspot.jinjava.lib.tag.ForTag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import com.hubspot.jinjava.tree.parse.TagToken;
import com.hubspot.jinjava.util.ForLoop;
import org.apache.commons.lang3.tuple.Pair;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * jinja2's {@code for}: {@code for x in items if condition} (the filter runs before the loop, so
 * {@code loop.index} counts the kept items), {@code {% else %}} for an empty loop, {@code loop.previtem}
 * / {@code loop.nextitem}, and Python iteration (a string yields its characters, a dict its keys,
 * undefined nothing). Jinjava's own tag lacks the first three and renders an {@code else} branch inside
 * the loop body.
 */
final class PythonForTag extends ForTag {

    private static final long serialVersionUID = 1L;

    /** {@code loop} with jinja2's {@code previtem} and {@code nextitem}. */
    public static final class Loop extends ForLoop {
        private final List<Object> items;

        Loop(List<Object> items) {
            super(items.iterator(), items.size());
            this.items = items;
        }

        public Object getPrevitem() {
            int i = getIndex0() - 1;
            return i >= 0 && i < items.size() ? items.get(i) : null;
        }

        public Object getNextitem() {
            int i = getIndex0() + 1;
            return i < items.size() ? items.get(i) : null;
        }
    }

    @Override
    public String interpretUnchecked(TagNode tagNode, JinjavaInterpreter interpreter) {
        Pair<List<String>, String> header = getLoopVarsAndExpression((TagToken) tagNode.getMaster());
        List<String> names = header.getLeft();
        String[] iterableAndCondition = splitCondition(header.getRight());
        Object collection = interpreter.resolveELExpression(iterableAndCondition[0], tagNode.getLineNumber());
        List<Node> body = new ArrayList<>();
        List<Node> otherwise = new ArrayList<>();
        List<Node> target = body;
        for (Node child : tagNode.getChildren()) {
            if (target == body && child instanceof TagNode t && t.getTag() instanceof ElseTag) {
                target = otherwise;
            } else {
                target.add(child);
            }
        }
        try (var scope = interpreter.enterScope()) {
            List<Object> items = new ArrayList<>();
            for (Object item : iterate(collection)) {
                if (iterableAndCondition[1] == null) {
                    items.add(item);
                    continue;
                }
                bind(interpreter, names, item, tagNode);
                Object keep = interpreter.resolveELExpression(iterableAndCondition[1], tagNode.getLineNumber());
                if (PythonValues.truthy(keep)) {
                    items.add(item);
                }
            }
            StringBuilder out = new StringBuilder();
            if (items.isEmpty()) {
                for (Node node : otherwise) {
                    out.append(node.render(interpreter));
                }
                return out.toString();
            }
            Loop loop = new Loop(items);
            interpreter.getContext().put(LOOP, loop);
            while (loop.hasNext()) {
                bind(interpreter, names, interpreter.wrap(loop.next()), tagNode);
                for (Node node : body) {
                    out.append(node.render(interpreter));
                    if (loop.isContinued()) {
                        break;
                    }
                }
            }
            return out.toString();
        }
    }

    /** The values Python's {@code for} visits: items of a list, characters of a string, keys of a dict. */
    private static List<Object> iterate(Object collection) {
        return switch (collection) {
            case null -> List.of();
            case CharSequence s -> new ArrayList<>(s.codePoints().mapToObj(Character::toString).toList());
            case Map<?, ?> m -> new ArrayList<>(m.keySet());
            case Iterable<?> it -> {
                List<Object> items = new ArrayList<>();
                it.forEach(items::add);
                yield items;
            }
            case Object[] a -> new ArrayList<>(Arrays.asList(a));
            default -> throw new InterpretException("'" + collection.getClass().getSimpleName() + "' object is not iterable");
        };
    }

    /** Sets the loop variables: one name takes the item; several unpack a pair or a list. */
    private static void bind(JinjavaInterpreter interpreter, List<String> names, Object item, TagNode tagNode) {
        if (names.size() == 1) {
            interpreter.getContext().put(names.get(0), item == null ? NullValue.INSTANCE : item);
            return;
        }
        List<?> parts = switch (item) {
            case Map.Entry<?, ?> e -> Arrays.asList(e.getKey(), e.getValue());
            case List<?> l -> l;
            case Object[] a -> Arrays.asList(a);
            case null, default -> null;
        };
        if (parts == null || parts.size() != names.size()) {
            throw new InterpretException("cannot unpack " + PythonValues.repr(item) + " into " + names.size()
                    + " loop variables", tagNode.getLineNumber(), tagNode.getStartPosition());
        }
        for (int i = 0; i < names.size(); i++) {
            Object part = parts.get(i);
            interpreter.getContext().put(names.get(i), part == null ? NullValue.INSTANCE : part);
        }
    }

    /**
     * Splits {@code items if condition} at the first {@code if} outside brackets and quotes (jinja2 parses
     * the iterable without conditional expressions, so that {@code if} is always the filter).
     */
    static String[] splitCondition(String expression) {
        int depth = 0;
        for (int i = 0; i < expression.length(); i++) {
            char c = expression.charAt(i);
            if (c == '\'' || c == '"') {
                i = JinjaSource.endOfString(expression, i);
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (depth == 0 && expression.startsWith("if", i) && i > 0
                    && Character.isWhitespace(expression.charAt(i - 1))
                    && i + 2 < expression.length() && Character.isWhitespace(expression.charAt(i + 2))) {
                return new String[] {expression.substring(0, i).trim(), expression.substring(i + 2).trim()};
            }
        }
        return new String[] {expression.trim(), null};
    }
}
