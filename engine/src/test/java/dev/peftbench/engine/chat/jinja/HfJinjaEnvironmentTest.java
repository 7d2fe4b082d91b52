package dev.peftbench.engine.chat.jinja;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HfJinjaEnvironmentTest {

    private static final Clock JULY_26 = Clock.fixed(LocalDateTime.of(2024, 7, 26, 9, 5, 3).toInstant(ZoneOffset.UTC), ZoneOffset.UTC);

    /**
     * What Jinjava renders (or the start of the failure it raises) where its language differs from jinja2 and chat
     * templates do not depend on it, with why. Each is asserted as it is, so the list stays true: a case that starts
     * rendering what jinja2 renders fails until it is taken off the list (and then runs as every other case).
     */
    private static final Map<String, Difference> KNOWN_DIFFERENCES = Map.of(
            "print_none", new Difference("|", null, "Jinjava has one null for None and undefined; printed alone it is undefined (empty)"),
            "concat_tilde_none", new Difference("n", null, "Jinjava has one null for None and undefined; ~ joins undefined as empty"),
            "default_none", new Difference("d", null, "Jinjava has one null for None and undefined; default() replaces both"),
            "and_returns_operand", new Difference("True", null, "Jinjava's 'and' yields a boolean, Python's yields an operand"),
            "floor_division_negative", new Difference("3", null, "Jinjava's // on a negative operand"),
            "string_repeat", new Difference(null, "Cannot coerce 'x'", "Jinjava has no string repetition with *"),
            "string_unicode_escape", new Difference(null, "Error parsing", "Jinjava's string literals have no \\u escapes"),
            "undefined_attr_of_undefined", new Difference("", null,
                    "Jinjava yields nothing for an attribute of an undefined variable where jinja2 raises"));

    /** Jinjava's result for a known difference: its {@code output}, or a failure whose message starts with {@code failure}. */
    record Difference(String output, String failure, String why) {
    }

    record Case(String name, String template, Map<String, Object> variables, String output, String error, String message) {
    }

    private static List<Case> cases() throws IOException {
        try (InputStream in = HfJinjaEnvironmentTest.class.getResourceAsStream("/chat/jinja2-conformance.json")) {
            return new ObjectMapper().readValue(in, new TypeReference<>() { });
        }
    }

    @TestFactory
    Stream<DynamicTest> rendersWhatJinja2RendersInTransformersEnvironment() throws IOException {
        HfJinjaEnvironment jinja = new HfJinjaEnvironment();
        return cases().stream().filter(c -> !KNOWN_DIFFERENCES.containsKey(c.name())).map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            if (c.output() != null) {
                assertEquals(c.output(), jinja.render(c.template(), c.variables(), JULY_26), c.template());
            } else {
                var failure = assertThrows(HfJinjaEnvironment.TemplateFailure.class,
                        () -> jinja.render(c.template(), c.variables(), JULY_26), c.template());
                if (c.error().equals("TemplateError")) {
                    assertEquals(c.message(), failure.getMessage());
                }
            }
        }));
    }

    @TestFactory
    Stream<DynamicTest> rendersTheKnownDifferencesAsRecorded() throws IOException {
        HfJinjaEnvironment jinja = new HfJinjaEnvironment();
        Map<String, Case> byName = new TreeMap<>();
        cases().forEach(c -> byName.put(c.name(), c));
        return KNOWN_DIFFERENCES.entrySet().stream().sorted(Map.Entry.comparingByKey()).map(e -> DynamicTest.dynamicTest(e.getKey(), () -> {
            Case c = byName.get(e.getKey());
            assertNotNull(c, "no conformance case " + e.getKey() + ": take it off KNOWN_DIFFERENCES");
            Difference d = e.getValue();
            String gone = e.getKey() + " (" + d.why() + ") now renders as jinja2 does: take it off KNOWN_DIFFERENCES";
            if (d.output() != null) {
                String rendered = jinja.render(c.template(), c.variables(), JULY_26);
                assertNotEquals(c.output(), rendered, gone);
                assertEquals(d.output(), rendered, c.template());
            } else {
                var failure = assertThrows(HfJinjaEnvironment.TemplateFailure.class,
                        () -> jinja.render(c.template(), c.variables(), JULY_26), gone);
                assertTrue(failure.getMessage().startsWith(d.failure()), failure.getMessage());
            }
        }));
    }
}
