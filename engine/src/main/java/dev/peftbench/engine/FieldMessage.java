package dev.peftbench.engine;

import java.util.List;
import java.util.function.Function;

/**
 * A message about fields of the input, written as a template that names field {@code i} as {@code {i}}
 * ({@code "{0} must be >= 1, got 0"}), so that each front end fills in its own name for each field: a flag, a
 * JSON field, a label.
 */
public record FieldMessage(String template, List<InputField> fields) {

    public FieldMessage {
        fields = List.copyOf(fields);
    }

    public static FieldMessage of(String template, InputField... fields) {
        return new FieldMessage(template, List.of(fields));
    }

    /** The message with each field named by {@code names}. */
    public String text(Function<InputField, String> names) {
        String out = template;
        for (int i = 0; i < fields.size(); i++) {
            out = out.replace("{" + i + "}", names.apply(fields.get(i)));
        }
        return out;
    }

    /** In the engine's words ({@link InputField#neutralName()}), as a log shows it. */
    @Override
    public String toString() {
        return text(InputField::neutralName);
    }
}
