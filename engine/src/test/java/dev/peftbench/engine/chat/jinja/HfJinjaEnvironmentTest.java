package dev.peftbench.engine.chat.jinja;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class HfJinjaEnvironmentTest {

    private static final Clock JULY_26 = Clock.fixed(LocalDateTime.of(2024, 7, 26, 9, 5, 3).toInstant(ZoneOffset.UTC), ZoneOffset.UTC);

    /**
     * Where Jinjava's language differs from jinja2 and chat templates do not depend on it, with why.
     * These cases still run in jinja2 (their expected output is in the file) and are reported skipped.
     */
    private static final Map<String, String> KNOWN_DIFFERENCES = Map.of(
            "print_none", "Jinjava has one null for None and undefined; printed alone it is undefined (empty)",
            "concat_tilde_none", "Jinjava has one null for None and undefined; ~ joins undefined as empty",
            "default_none", "Jinjava has one null for None and undefined; default() replaces both",
            "and_returns_operand", "Jinjava's 'and' yields a boolean, Python's yields an operand",
            "floor_division_negative", "Jinjava's // on negative operands",
            "string_repeat", "Jinjava has no string repetition with *",
            "string_unicode_escape", "Jinjava's string literals have no \\u escapes",
            "undefined_attr_of_undefined", "Jinjava yields nothing for an attribute of an undefined variable where jinja2 raises");

    record Case(String name, String template, Map<String, Object> variables, String output, String error, String message) {
    }

    @TestFactory
    Stream<DynamicTest> rendersWhatJinja2RendersInTransformersEnvironment() throws IOException {
        HfJinjaEnvironment jinja = new HfJinjaEnvironment();
        List<Case> cases;
        try (InputStream in = getClass().getResourceAsStream("/chat/jinja2-conformance.json")) {
            cases = new ObjectMapper().readValue(in, new TypeReference<>() { });
        }
        return cases.stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> {
            Assumptions.assumeFalse(KNOWN_DIFFERENCES.containsKey(c.name()), () -> KNOWN_DIFFERENCES.get(c.name()));
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
}
