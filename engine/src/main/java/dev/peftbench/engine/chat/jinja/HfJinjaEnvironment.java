package dev.peftbench.engine.chat.jinja;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.el.TruthyTypeConverter;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.InterpreterFactory;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.loader.ResourceNotFoundException;
import jinjava.de.odysseus.el.ExpressionFactoryImpl;
import jinjava.de.odysseus.el.tree.TreeBuilder;
import jinjava.javax.el.CompositeELResolver;
import jinjava.javax.el.ExpressionFactory;

import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Renders chat templates the way transformers does ({@code chat_template_utils._compile_jinja_template}):
 * jinja2's {@code ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True)} with the
 * {@code loopcontrols} extension, the {@code raise_exception} and {@code strftime_now} globals and a
 * {@code tojson} filter that is {@code json.dumps} keeping non-ASCII characters. Jinjava supplies the
 * Jinja language ({@code trim_blocks} and {@code lstrip_blocks} are applied to the source by
 * {@link JinjaSource}, as jinja2's lexer applies them); what Python does differently is registered here: values print as Python prints them
 * ({@code None}, {@code True}, {@code 1e-05}), {@code str} methods, {@code is iterable} on strings, the
 * {@code items} filter, {@code dict()}. Templates cannot include or import other files, and a value that
 * looks like a template ({@code "{{ x }}"} in a message) is printed, never rendered. Thread-safe.
 */
public final class HfJinjaEnvironment {

    /** A template that cannot be rendered: its {@code raise_exception} message, or what is wrong with it. */
    public static final class TemplateFailure extends RuntimeException {
        private final boolean raisedByTemplate;

        TemplateFailure(String message, boolean raisedByTemplate) {
            super(message);
            this.raisedByTemplate = raisedByTemplate;
        }

        /** True when the template itself refused the input with {@code raise_exception(message)}. */
        public boolean raisedByTemplate() {
            return raisedByTemplate;
        }
    }

    private final Jinjava jinjava;
    /** Per template text, the unknown filter or test it names, if any (a model's template is checked once). */
    private final Map<String, Optional<String>> unknownNames = new ConcurrentHashMap<>();

    public HfJinjaEnvironment() {
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(false)
                .withLstripBlocks(false)
                .withNestedInterpretationEnabled(false)
                .withFailOnUnknownTokens(false)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withIterateOverMapKeys(true)
                        .withEvaluateMapKeys(true)
                        .withUseNaturalOperatorPrecedence(true)
                        .withKeepNullableLoopValues(true)
                        .build())
                .withElResolver(resolver())
                .withInterperterFactory(new PythonInterpreterFactory())
                .build();
        jinjava = new PythonJinjava(config);
        jinjava.setResourceLocator((name, encoding, interpreter) -> {
            throw new ResourceNotFoundException("a chat template cannot include or import other templates ('" + name + "')");
        });
        Context globals = jinjava.getGlobalContext();
        globals.registerFunction(new ELFunctionDefinition("", "raise_exception", TemplateGlobals.class, "raiseException", Object.class));
        globals.registerFunction(new ELFunctionDefinition("", "strftime_now", TemplateGlobals.class, "strftimeNow", String.class));
        globals.registerFunction(new ELFunctionDefinition("", "dict", TemplateGlobals.class, "dict", Object[].class));
        PythonFilters.all().forEach(globals::registerFilter);
        PythonTests.all().forEach(globals::registerExpTest);
        globals.registerTag(new PythonForTag());
    }

    /**
     * Renders {@code source} with {@code variables} (JSON-shaped values: maps, lists, strings, numbers,
     * booleans, null).
     *
     * @param clock what {@code strftime_now} reads
     * @throws TemplateFailure on a {@code raise_exception}, a syntax error, an unknown filter or function
     */
    public String render(String source, Map<String, Object> variables, Clock clock) {
        String template = JinjaSource.prepare(source);
        unknownNames.computeIfAbsent(template, t -> UnknownNames.find(jinjava.newInterpreter().parse(t), jinjava.getGlobalContext()))
                .ifPresent(message -> {
                    throw new TemplateFailure(message, false);
                });
        Map<String, Object> bindings = new HashMap<>();
        for (String global : TemplateGlobals.NAMES) {
            bindings.put(global, new TemplateGlobals.Function(global));
        }
        bindings.putAll(variables);
        bindings.put(TemplateGlobals.CLOCK, clock);
        RenderResult result = jinjava.renderForResult(template, bindings);
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw failure(error);
            }
        }
        return result.getOutput();
    }

    private static TemplateFailure failure(TemplateError error) {
        for (Throwable t = error.getException(); t != null; t = t.getCause()) {
            if (t instanceof TemplateGlobals.Raised raised) {
                return new TemplateFailure(raised.getMessage(), true);
            }
        }
        String where = error.getLineno() > 0 ? " (template line " + error.getLineno() + ")" : "";
        return new TemplateFailure(error.getMessage() + where, false);
    }

    /** Python's {@code str} methods first, then Jinjava's read-only resolvers (maps, lists, beans). */
    private static CompositeELResolver resolver() {
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        return resolver;
    }

    /** Jinjava whose expressions convert values to text as Python's {@code str()} does ({@code ~}, arguments). */
    private static final class PythonJinjava extends Jinjava {
        private final ExpressionFactory expressions;

        PythonJinjava(JinjavaConfig config) {
            super(config);
            Properties properties = new Properties();
            properties.setProperty(TreeBuilder.class.getName(), PythonSyntax.class.getName());
            expressions = new ExpressionFactoryImpl(properties, new PythonTypeConverter());
        }

        @Override
        public ExpressionFactory getExpressionFactory() {
            return expressions;
        }
    }

    private static final class PythonTypeConverter extends TruthyTypeConverter {
        @Override
        protected String coerceToString(Object value) {
            return PythonValues.str(value);
        }
    }

    /** Interpreters that print {@code {{ value }}} as Python's {@code str(value)}. */
    private static final class PythonInterpreterFactory implements InterpreterFactory {
        @Override
        public JinjavaInterpreter newInstance(JinjavaInterpreter orig) {
            return new PythonInterpreter(orig);
        }

        @Override
        public JinjavaInterpreter newInstance(Jinjava application, Context context, JinjavaConfig renderConfig) {
            return new PythonInterpreter(application, context, renderConfig);
        }
    }

    private static final class PythonInterpreter extends JinjavaInterpreter {
        PythonInterpreter(JinjavaInterpreter orig) {
            super(orig);
        }

        PythonInterpreter(Jinjava application, Context context, JinjavaConfig renderConfig) {
            super(application, context, renderConfig);
        }

        @Override
        public String getAsString(Object object) {
            return PythonValues.str(object);
        }
    }
}
