package dev.peftbench.serve.openai;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peftbench.engine.InputField;
import dev.peftbench.serve.SamplingFields;
import dev.peftbench.serve.ServeException;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Typed reads of an OpenAI request body's fields: absent or null is "not set"; a value of the wrong
 * type or out of range is a 400 naming the field and what it must be.
 */
final class OpenAiFields {

    private final JsonNode body;

    OpenAiFields(JsonNode body) {
        this.body = body;
    }

    /**
     * The body's fields, refused when it is not an object or has a field outside {@code known}
     * (OpenAI's message for an unknown one).
     */
    static OpenAiFields of(JsonNode body, Set<String> known, String needs) {
        if (body == null || !body.isObject()) {
            throw ServeException.badRequest("the request body must be a JSON object with " + needs);
        }
        for (Iterator<String> names = body.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw ServeException.badRequest("Unrecognized request argument supplied: " + name);
            }
        }
        return new OpenAiFields(body);
    }

    /** {@code model}, else the server's only model. */
    String model(String defaultModel) {
        String model = string("model");
        if (model == null) {
            model = defaultModel;
        }
        if (model == null) {
            throw ServeException.badRequest("\"model\" is required: name one of GET /v1/models");
        }
        return model;
    }

    /** Sampling fields named as OpenAI's messages name a field: {@code "max_tokens"}. */
    static SamplingFields.Builder samplingFields() {
        return SamplingFields.builder(name -> "\"" + name + "\"");
    }

    /**
     * The sampling fields both endpoints take ({@code temperature} 0-2, {@code top_p} in (0, 1],
     * {@code top_k} with vLLM's -1 for off, {@code repetition_penalty}, {@code seed}, {@code stop},
     * vLLM's {@code stop_token_ids}), put as the engine's fields.
     */
    void sampling(SamplingFields.Builder params) {
        params.put(InputField.TEMPERATURE, "temperature", number("temperature", 0, 2, true));
        params.put(InputField.TOP_P, "top_p", number("top_p", 0, 1, false));
        Long topK = integer("top_k", -1L, null);
        params.put(InputField.TOP_K, "top_k", topK == null ? null : Math.max(0, topK));
        params.put(InputField.REPETITION_PENALTY, "repetition_penalty", positive("repetition_penalty"));
        params.put(InputField.SEED, "seed", integer("seed", null, null));
        params.put(InputField.STOP, "stop", stop());
        params.put(InputField.STOP_TOKEN_IDS, "stop_token_ids", tokenIds("stop_token_ids"));
    }

    /** {@code n} (and the like): only 1. */
    void one(String name) {
        Long n = integer(name, 1L, null);
        if (n != null && n != 1) {
            throw ServeException.badRequest("only \"" + name + "\": 1 is supported, got " + n);
        }
    }

    /** {@code stream_options.include_usage}; the options need {@code stream: true}. */
    boolean includeUsage(boolean stream) {
        JsonNode options = get("stream_options");
        if (options == null) {
            return false;
        }
        if (!stream || !options.isObject()) {
            throw ServeException.badRequest("\"stream_options\" must be an object, e.g. {\"include_usage\": true}, and needs \"stream\": true");
        }
        return Boolean.TRUE.equals(new OpenAiFields(options).bool("include_usage"));
    }

    private JsonNode get(String name) {
        JsonNode v = body.get(name);
        return v == null || v.isNull() ? null : v;
    }

    String string(String name) {
        JsonNode v = get(name);
        if (v == null) {
            return null;
        }
        if (!v.isTextual()) {
            throw ServeException.badRequest("\"" + name + "\" must be a string, got " + v);
        }
        return v.asText();
    }

    Boolean bool(String name) {
        JsonNode v = get(name);
        if (v == null) {
            return null;
        }
        if (!v.isBoolean()) {
            throw ServeException.badRequest("\"" + name + "\" must be true or false, got " + v);
        }
        return v.asBoolean();
    }

    /** An integer within [min, max] (null bounds: open). */
    Long integer(String name, Long min, Long max) {
        JsonNode v = get(name);
        if (v == null) {
            return null;
        }
        if (!v.isIntegralNumber() && !(v.isNumber() && v.asDouble() == Math.rint(v.asDouble()))) {
            throw ServeException.badRequest("\"" + name + "\" must be an integer, got " + v);
        }
        if (!v.canConvertToLong()) {
            throw ServeException.badRequest("\"" + name + "\" is out of range: " + v);
        }
        long value = v.asLong();
        if ((min != null && value < min) || (max != null && value > max)) {
            throw ServeException.badRequest("\"" + name + "\" must be " + (max == null ? ">= " + min
                    : min == null ? "<= " + max : "between " + min + " and " + max) + ", got " + value);
        }
        return value;
    }

    /** A number within [min, max], or (min, max] when {@code minIncluded} is false. */
    Double number(String name, double min, double max, boolean minIncluded) {
        JsonNode v = get(name);
        if (v == null) {
            return null;
        }
        if (!v.isNumber()) {
            throw ServeException.badRequest("\"" + name + "\" must be a number, got " + v);
        }
        double value = v.asDouble();
        if (value > max || value < min || (!minIncluded && value == min)) {
            throw ServeException.badRequest("\"" + name + "\" must be " + (minIncluded ? "between " + min + " and " + max
                    : "greater than " + min + " and at most " + max) + ", got " + value);
        }
        return value;
    }

    Double positive(String name) {
        JsonNode v = get(name);
        if (v == null) {
            return null;
        }
        if (!v.isNumber() || !(v.asDouble() > 0) || Double.isInfinite(v.asDouble())) {
            throw ServeException.badRequest("\"" + name + "\" must be a number > 0, got " + v);
        }
        return v.asDouble();
    }

    /** {@code stop}: a string or a list of non-empty strings. */
    List<String> stop() {
        JsonNode v = get("stop");
        if (v == null) {
            return null;
        }
        List<String> out = new ArrayList<>();
        if (v.isTextual()) {
            out.add(v.asText());
        } else if (v.isArray()) {
            v.forEach(e -> {
                if (!e.isTextual()) {
                    throw ServeException.badRequest("\"stop\" must be a string or a list of strings, got " + v);
                }
                out.add(e.asText());
            });
        } else {
            throw ServeException.badRequest("\"stop\" must be a string or a list of strings, got " + v);
        }
        if (out.stream().anyMatch(String::isEmpty)) {
            throw ServeException.badRequest("\"stop\" strings must not be empty");
        }
        return out;
    }

    /** A list of token ids (integers >= 0). */
    List<Long> tokenIds(String name) {
        JsonNode v = get(name);
        if (v == null) {
            return null;
        }
        if (!v.isArray()) {
            throw ServeException.badRequest("\"" + name + "\" must be a list of token ids, got " + v);
        }
        List<Long> out = new ArrayList<>();
        v.forEach(e -> {
            if (!e.isIntegralNumber() || !e.canConvertToInt() || e.asInt() < 0) {
                throw ServeException.badRequest("\"" + name + "\" must be a list of token ids (integers >= 0), got " + v);
            }
            out.add(e.asLong());
        });
        return out;
    }

    /**
     * vLLM's {@code guided_choice}, or its newer spelling {@code structured_outputs: {"choice": [...]}} (no other kind
     * of structured output here): a list of strings put as the choices, under the name given. Its bounds are the
     * engine's.
     */
    void choices(SamplingFields.Builder params) {
        JsonNode guided = get("guided_choice");
        JsonNode structured = get("structured_outputs");
        if (guided != null && structured != null) {
            throw ServeException.badRequest("give either \"guided_choice\" or \"structured_outputs\", not both");
        }
        String name = "guided_choice";
        JsonNode choices = guided;
        if (structured != null) {
            if (!structured.isObject() || structured.size() != 1 || !structured.has("choice")) {
                throw ServeException.badRequest("\"structured_outputs\": only {\"choice\": [...]} is supported, got " + structured);
            }
            name = "structured_outputs.choice";
            choices = structured.get("choice");
        }
        if (choices == null) {
            return;
        }
        List<String> out = new ArrayList<>();
        if (choices.isArray()) {
            for (JsonNode c : choices) {
                if (!c.isTextual()) {
                    break;
                }
                out.add(c.asText());
            }
        }
        if (!choices.isArray() || out.size() != choices.size() || out.isEmpty()) {
            throw ServeException.badRequest("\"" + name + "\" must be a non-empty list of strings");
        }
        params.put(InputField.CHOICES, name, out);
    }

    /** A numeric option this server implements only at its neutral value. */
    void neutral(String name, double neutral) {
        JsonNode v = get(name);
        if (v == null) {
            return;
        }
        if (!v.isNumber()) {
            throw ServeException.badRequest("\"" + name + "\" must be a number, got " + v);
        }
        if (v.asDouble() != neutral) {
            throw ServeException.badRequest("\"" + name + "\" is not supported by this server (only " + neutral + ")");
        }
    }

    /** An option accepted only where {@code accepted} holds (its "off" value). */
    void refuseUnless(String name, Predicate<JsonNode> accepted, String why) {
        JsonNode v = get(name);
        if (v != null && !accepted.test(v)) {
            throw ServeException.badRequest("\"" + name + "\": " + why);
        }
    }
}
