package dev.peftbench.engine.chat.jinja;

import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.de.odysseus.el.tree.impl.Parser;
import jinjava.de.odysseus.el.tree.impl.Scanner;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;

/**
 * Jinjava's expression syntax with Python's three-part slice {@code [start:stop:step]}. The parser's
 * postfix loop (attribute, item, slice, method call) is re-stated here because the slice is parsed in
 * its middle; everything else is Jinjava's. Operators are parsed at their own levels, so this needs
 * Jinjava's natural operator precedence (which jinja2 has anyway).
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
