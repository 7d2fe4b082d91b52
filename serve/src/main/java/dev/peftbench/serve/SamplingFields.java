package dev.peftbench.serve;

import dev.peftbench.engine.InputField;

import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Function;

/**
 * One request's sampling settings in the engine's terms, keyed by {@link InputField}, with the name its protocol gave
 * each (v2's parameter {@code max_tokens}, OpenAI's field {@code max_completion_tokens}), so that a refusal names what
 * the client sent. Each protocol maps its own names onto the fields (v2: {@code V2Parameters}; OpenAI: its request
 * records); {@link SamplingOverrides} reads only the fields.
 *
 * @param values    each given field's value as the request carried it (a JSON or InferParameter value)
 * @param names     the protocol's name for each given field
 * @param reference how the protocol's messages refer to a name: {@code parameter max_tokens}, {@code "max_tokens"}
 */
public record SamplingFields(Map<InputField, Object> values, Map<InputField, String> names,
                             Function<String, String> reference) {

    public static final SamplingFields NONE = new SamplingFields(Map.of(), Map.of(), name -> name);

    public SamplingFields {
        values = Collections.unmodifiableMap(values.isEmpty() ? new EnumMap<>(InputField.class) : new EnumMap<>(values));
        names = Map.copyOf(names);
    }

    public Object get(InputField field) {
        return values.get(field);
    }

    /** How this request's protocol refers to {@code field}: the name it came under, else the engine's. */
    public String refer(InputField field) {
        return reference.apply(names.getOrDefault(field, field.neutralName()));
    }

    /** A builder that takes each field under the protocol's name for it. */
    public static Builder builder(Function<String, String> reference) {
        return new Builder(reference);
    }

    public static final class Builder {
        private final Map<InputField, Object> values = new EnumMap<>(InputField.class);
        private final Map<InputField, String> names = new EnumMap<>(InputField.class);
        private final Function<String, String> reference;

        private Builder(Function<String, String> reference) {
            this.reference = reference;
        }

        /** {@code value} for {@code field}, sent as {@code name}; a null value is "not set". */
        public Builder put(InputField field, String name, Object value) {
            if (value != null) {
                values.put(field, value);
                names.put(field, name);
            }
            return this;
        }

        public SamplingFields build() {
            return new SamplingFields(values, names, reference);
        }
    }
}
