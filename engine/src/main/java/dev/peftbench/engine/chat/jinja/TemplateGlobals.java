package dev.peftbench.engine.chat.jinja;

import com.hubspot.jinjava.el.ext.NamedParameter;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.objects.date.StrftimeFormatter;

import java.time.Clock;
import java.time.ZonedDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The globals transformers adds to a chat template's environment ({@code raise_exception},
 * {@code strftime_now}) and jinja2's {@code dict(...)}, which Jinjava lacks. Jinjava calls functions
 * as static methods; what one render needs (its clock) travels in the render's context under a key
 * no template can spell.
 */
final class TemplateGlobals {

    /** Context key of the render's {@link Clock}: not an identifier, so templates cannot read or shadow it. */
    static final String CLOCK = "peftbench:clock";

    /** The globals' names, also bound as variables so that {@code strftime_now is defined} holds, as in jinja2. */
    static final List<String> NAMES = List.of("raise_exception", "strftime_now", "dict", "namespace", "range");

    private TemplateGlobals() {
    }

    /** What a global's name means when used as a value (Jinjava resolves calls to it separately). */
    record Function(String name) {
        @Override
        public String toString() {
            return "<function " + name + ">";
        }
    }

    /** What {@code raise_exception(message)} throws: the template refused its input, with this message. */
    static final class Raised extends RuntimeException {
        Raised(String message) {
            super(message, null, false, false);
        }
    }

    /** {@code raise_exception(message)}: raises jinja2's {@code TemplateError(message)}. */
    static Object raiseException(Object message) {
        throw new Raised(PythonValues.str(message));
    }

    /** {@code strftime_now(format)}: {@code datetime.now().strftime(format)}, local time, C-locale names. */
    static String strftimeNow(String format) {
        Clock clock = (Clock) JinjavaInterpreter.getCurrent().getContext().get(CLOCK);
        ZonedDateTime now = ZonedDateTime.now(clock == null ? Clock.systemDefaultZone() : clock);
        return StrftimeFormatter.format(now, format, Locale.ENGLISH);
    }

    /** jinja2's {@code dict(key=value, ...)}: a dict in argument order. */
    static Map<String, Object> dict(Object... parameters) {
        Map<String, Object> map = new LinkedHashMap<>();
        for (Object p : parameters) {
            if (!(p instanceof NamedParameter named)) {
                throw new IllegalArgumentException("dict() takes keyword arguments only, e.g. dict(name='x')");
            }
            map.put(named.getName(), named.getValue());
        }
        return map;
    }
}
