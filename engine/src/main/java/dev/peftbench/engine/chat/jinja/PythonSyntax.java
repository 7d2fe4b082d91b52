package dev.peftbench.engine.chat.jinja;

import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import com.hubspot.jinjava.el.ext.AstNamedParameter;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.de.odysseus.el.tree.impl.Parser;
import jinjava.de.odysseus.el.tree.impl.Scanner;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstParameters;
import jinjava.de.odysseus.el.tree.impl.ast.AstUnary;

import java.util.ArrayList;
import java.util.List;

/**
 * Jinjava's expression syntax with three corrections to jinja2's grammar ({@code jinja2/parser.py}):
 * <ul>
 *   <li>{@code not} binds looser than comparisons, tests and filters: {@code not x is defined} is
 *       {@code not (x is defined)} (Jinjava read {@code (not x) is defined}, so Llama 3.1's
 *       {@code if not date_string is defined} ignored a given date);</li>
 *   <li>a keyword argument's value is a whole expression: {@code namespace(n=messages|length - 1)};</li>
 *   <li>Python's three-part slice {@code [start:stop:step]} ({@code messages[::-1]} in Qwen3's template).</li>
 * </ul>
 * The parser's postfix loop (attribute, item, slice, method call) is re-stated because the slice is
 * parsed in its middle; operators are parsed at their own levels, so this needs Jinjava's natural
 * operator precedence.
 */
public final class PythonSyntax extends ExtendedSyntaxBuilder {

    private static final long serialVersionUID = 1L;

    public PythonSyntax() {
        super();
    }

    public PythonSyntax(Builder.Feature... features) {
        super(features);
    }

    @Override
    protected Parser createParser(String expression) {
        return new PythonParser(this, expression);
    }

    private static final class PythonParser extends ExtendedParser {
        PythonParser(Builder context, String input) {
            super(context, input);
        }

        /** {@code not} at the level of jinja2's {@code parse_not}: above comparisons, below {@code and}. */
        @Override
        protected AstNode eq(boolean required) throws Scanner.ScanException, ParseException {
            if (getToken().getSymbol() == Scanner.Symbol.NOT) {
                consumeToken();
                return createAstUnary(eq(true), AstUnary.NOT);
            }
            return super.eq(required);
        }

        /** Call arguments, where {@code name=} takes the whole expression after it. */
        @Override
        protected AstParameters params(Scanner.Symbol left, Scanner.Symbol right) throws Scanner.ScanException, ParseException {
            consumeToken(left);
            List<AstNode> arguments = new ArrayList<>();
            AstNode first = argument(false);
            if (first != null) {
                arguments.add(first);
                while (getToken().getSymbol() == Scanner.Symbol.COMMA) {
                    consumeToken();
                    arguments.add(argument(true));
                }
            }
            consumeToken(right);
            return createAstParameters(arguments);
        }

        private AstNode argument(boolean required) throws Scanner.ScanException, ParseException {
            if (getToken().getSymbol() == Scanner.Symbol.IDENTIFIER
                    && lookahead(0).getSymbol() == Scanner.Symbol.EXTENSION && "=".equals(lookahead(0).getImage())) {
                String name = consumeToken().getImage();
                consumeToken();
                return new AstNamedParameter(identifier(name), expr(true));
            }
            return expr(required);
        }

        @Override
        protected AstNode value() throws Scanner.ScanException, ParseException {
            boolean lvalue = true;
            AstNode v = nonliteral();
            if (v == null) {
                v = literal();
                if (v == null) {
                    return null;
                }
                lvalue = false;
            }
            while (true) {
                switch (getToken().getSymbol()) {
                    case DOT -> {
                        consumeToken();
                        String name = consumeToken(Scanner.Symbol.IDENTIFIER).getImage();
                        var dot = createAstDot(v, name, lvalue);
                        v = calls() ? createAstMethod(dot, params()) : dot;
                    }
                    case LBRACK -> {
                        consumeToken();
                        AstNode first = expr(false);
                        boolean strict = !context.isEnabled(Builder.Feature.NULL_PROPERTIES);
                        if (getToken().getSymbol() == Scanner.Symbol.COLON) {
                            consumeToken();
                            AstNode stop = expr(false);
                            AstNode step = null;
                            if (getToken().getSymbol() == Scanner.Symbol.COLON) {
                                consumeToken();
                                step = expr(false);
                            }
                            consumeToken(Scanner.Symbol.RBRACK);
                            v = new PythonSlice(v, first, stop, step, lvalue, strict,
                                    context.isEnabled(Builder.Feature.IGNORE_RETURN_TYPE));
                        } else {
                            consumeToken(Scanner.Symbol.RBRACK);
                            var bracket = createAstBracket(v, first, lvalue, strict);
                            v = calls() ? createAstMethod(bracket, params()) : bracket;
                        }
                    }
                    default -> {
                        return v;
                    }
                }
            }
        }

        private boolean calls() {
            return getToken().getSymbol() == Scanner.Symbol.LPAREN
                    && context.isEnabled(Builder.Feature.METHOD_INVOCATIONS);
        }
    }
}
