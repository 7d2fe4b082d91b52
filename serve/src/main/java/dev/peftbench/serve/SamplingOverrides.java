package dev.peftbench.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.InputField;
import dev.peftbench.engine.generate.SamplingParams;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A request's sampling fields ({@link SamplingFields}, each protocol's names already mapped onto the engine's) applied
 * over the defaults. Values arrive as JSON/InferParameter values: strings, numbers or booleans; {@code stop} may be a
 * list. The ids that end generation: {@link InputField#EOS_TOKEN_ID} (one id or a list) takes the place of the model's
 * own, and {@link InputField#STOP_TOKEN_IDS} (vLLM's) are added to them; over gRPC, whose parameters hold no lists,
 * either may be a string of comma-separated ids. {@link InputField#LOGPROBS} (alternatives per generated token, 0-20),
 * {@link InputField#PROMPT_LOGPROBS} (true: the prompt's tokens too), {@link InputField#CHOICES} (a list of strings, or a
 * JSON array of strings in one string, as an InferParameter can only carry). Every refusal names the field as the
 * request's protocol calls it.
 */
public final class SamplingOverrides {

    /** Ids in {@code eos_token_id} and {@code stop_token_ids} together: a few end ids are all a request needs. */
    public static final int MAX_END_IDS = 64;
    private static final ObjectMapper JSON = new ObjectMapper();

    private SamplingOverrides() {
    }

    /** As {@link #apply(SamplingParams, SamplingFields, Supplier)} for a request that names no end ids. */
    public static SamplingParams apply(SamplingParams base, SamplingFields fields) {
        return apply(base, fields, List::of);
    }

    /** @param modelEndIds the model's own end ids, which {@code stop_token_ids} adds to */
    public static SamplingParams apply(SamplingParams base, SamplingFields fields, Supplier<List<Integer>> modelEndIds) {
        SamplingParams p = base;
        try {
            for (Map.Entry<InputField, Object> e : fields.values().entrySet()) {
                Value v = new Value(fields.refer(e.getKey()), e.getValue());
                p = switch (e.getKey()) {
                    case MAX_NEW_TOKENS -> p.withMaxNewTokens(v.intValue());
                    case TEMPERATURE -> p.withTemperature(v.doubleValue());
                    case TOP_P -> p.withTopP(v.doubleValue());
                    case TOP_K -> p.withTopK(v.intValue());
                    case REPETITION_PENALTY -> p.withRepetitionPenalty(v.doubleValue());
                    case SEED -> p.withSeed(v.longValue());
                    case STOP -> p.withStop(v.stopStrings());
                    case LOGPROBS -> p.withLogprobs(new SamplingParams.Logprobs(v.intValue(),
                            p.logprobs() != null && p.logprobs().prompt()));
                    case PROMPT_LOGPROBS -> promptLogprobs(p, v);
                    case CHOICES -> p.withChoices(v.choices());
                    default -> p;
                };
            }
            List<Integer> eos = ids(fields, InputField.EOS_TOKEN_ID);
            List<Integer> stopIds = ids(fields, InputField.STOP_TOKEN_IDS);
            if (eos != null || stopIds != null) {
                Set<Integer> end = new LinkedHashSet<>(eos != null ? eos : p.eosTokenIds() != null ? p.eosTokenIds() : modelEndIds.get());
                if (stopIds != null) {
                    end.addAll(stopIds);
                }
                if (end.size() > MAX_END_IDS) {
                    throw ServeException.badRequest(fields.refer(InputField.EOS_TOKEN_ID) + " and "
                            + fields.refer(InputField.STOP_TOKEN_IDS) + " name " + end.size() + " ids together; at most "
                            + MAX_END_IDS + " are taken");
                }
                p = p.withEosTokenIds(List.copyOf(end));
            }
        } catch (EngineException e) {
            throw ServeException.badRequest(e.message(fields::refer));
        }
        return p;
    }

    private static SamplingParams promptLogprobs(SamplingParams p, Value v) {
        if (!(v.value() instanceof Boolean b)) {
            throw v.refused("must be true or false, got " + v.value());
        }
        int top = p.logprobs() == null ? 0 : p.logprobs().top();
        return b ? p.withLogprobs(new SamplingParams.Logprobs(top, true))
                : p.withLogprobs(p.logprobs() == null ? null : new SamplingParams.Logprobs(top, false));
    }

    /** Token ids of {@code field}: one id, a list of them, or (gRPC) a string of comma-separated ids; null when absent. */
    private static List<Integer> ids(SamplingFields fields, InputField field) {
        Object v = fields.get(field);
        if (v == null) {
            return null;
        }
        String name = fields.refer(field);
        List<?> items = v instanceof List<?> list ? list
                : v instanceof String s && s.contains(",") ? List.of(s.split(",")) : List.of(v);
        if (items.size() > MAX_END_IDS) {
            throw ServeException.badRequest(name + " names " + items.size() + " ids; at most " + MAX_END_IDS + " are taken");
        }
        List<Integer> out = new ArrayList<>(items.size());
        for (Object item : items) {
            int id = new Value(name, item instanceof String s ? s.trim() : item).intValue();
            if (id < 0) {
                throw ServeException.badRequest(name + " must hold token ids >= 0, got " + id);
            }
            out.add(id);
        }
        return out;
    }

    /** One field's value as sent, {@code name} as its protocol refers to it. */
    private record Value(String name, Object value) {

        ServeException refused(String why) {
            return ServeException.badRequest(name + " " + why);
        }

        int intValue() {
            long l = longValue();
            if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
                throw refused("is out of range: " + value);
            }
            return (int) l;
        }

        /** A whole number within 64 bits; one beyond is refused, never wrapped. */
        long longValue() {
            BigDecimal exact = null;
            if (value instanceof Number n && !(value instanceof Double d && (d.isNaN() || d.isInfinite()))
                    && !(value instanceof Float f && (f.isNaN() || f.isInfinite()))) {
                exact = n instanceof BigDecimal b ? b : n instanceof BigInteger i ? new BigDecimal(i)
                        : n instanceof Double || n instanceof Float ? BigDecimal.valueOf(n.doubleValue()) : BigDecimal.valueOf(n.longValue());
            } else if (value instanceof String s && s.trim().matches("[-+]?\\d+")) {
                exact = new BigDecimal(s.trim());
            }
            if (exact == null || exact.stripTrailingZeros().scale() > 0) {
                throw refused("must be an integer, got " + value);
            }
            try {
                return exact.longValueExact();
            } catch (ArithmeticException e) {
                throw refused("is out of range: " + value);
            }
        }

        double doubleValue() {
            if (value instanceof Number n) {
                return n.doubleValue();
            }
            if (value instanceof String s) {
                try {
                    return Double.parseDouble(s.trim());
                } catch (NumberFormatException ignored) {
                    // falls through to the message below
                }
            }
            throw refused("must be a number, got " + value);
        }

        List<String> stopStrings() {
            if (value instanceof String s) {
                return List.of(s);
            }
            if (value instanceof List<?> list) {
                List<String> out = new ArrayList<>();
                for (Object o : list) {
                    if (!(o instanceof String s)) {
                        throw refused("must be a string or a list of strings, got " + value);
                    }
                    out.add(s);
                }
                return out;
            }
            throw refused("must be a string or a list of strings, got " + value);
        }

        /** A list of strings, or a JSON array of strings in one string; its bounds are the engine's (SamplingParams). */
        List<String> choices() {
            Object list = value;
            if (value instanceof String s) {
                try {
                    list = JSON.readValue(s, List.class);
                } catch (IOException e) {
                    throw refused("must be a JSON array of strings, got " + abbreviated(s));
                }
            }
            if (!(list instanceof List<?> items) || items.isEmpty() || !items.stream().allMatch(String.class::isInstance)) {
                throw refused("must be a non-empty list of strings");
            }
            return items.stream().map(String.class::cast).toList();
        }

        private static String abbreviated(String s) {
            return s.length() <= 80 ? s : s.substring(0, 80) + "...";
        }
    }
}
