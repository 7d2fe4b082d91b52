package dev.peftbench.engine.chat.jinja;

import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.tree.ExpressionNode;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import com.hubspot.jinjava.tree.parse.ExpressionToken;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * jinja2 refuses a template that names a filter or test it does not have when it compiles it
 * ({@code No filter named 'x'.}); Jinjava silently yields nothing there. This finds such names in a
 * parsed template's expressions and tag arguments (string literals removed first).
 */
final class UnknownNames {

    private static final Pattern STRING = Pattern.compile("'(?:[^'\\\\]|\\\\.)*'|\"(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern FILTER = Pattern.compile("\\|\\s*([A-Za-z_][A-Za-z0-9_]*)");
    private static final Pattern TEST = Pattern.compile("\\bis\\s+(?:not\\s+)?([A-Za-z_][A-Za-z0-9_]*)");

    private UnknownNames() {
    }

    /** jinja2's message for the first unknown filter or test, if any. */
    static Optional<String> find(Node root, Context context) {
        String code = switch (root) {
            case ExpressionNode e -> ((ExpressionToken) e.getMaster()).getExpr();
            case TagNode t -> t.getHelpers();
            default -> null;
        };
        if (code != null) {
            String bare = STRING.matcher(code).replaceAll("''");
            Matcher filter = FILTER.matcher(bare);
            while (filter.find()) {
                if (context.getFilter(filter.group(1)) == null) {
                    return Optional.of("No filter named '" + filter.group(1) + "'.");
                }
            }
            Matcher test = TEST.matcher(bare);
            while (test.find()) {
                if (context.getExpTest(test.group(1)) == null) {
                    return Optional.of("No test named '" + test.group(1) + "'.");
                }
            }
        }
        for (Node child : root.getChildren()) {
            Optional<String> found = find(child, context);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }
}
