package dev.peftbench.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.engine.EngineException;
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
 * Request {@code parameters} that override generation settings (the OIP generate extension names
 * {@code max_tokens}). Other keys (e.g. {@code content_type}) belong to the protocol and are ignored.
 * Values arrive as JSON/InferParameter values: strings, numbers or booleans; {@code stop} may be a list.
 * The ids that end generation: {@code eos_token_id} (one id or a list; transformers' GenerationConfig
 * field) takes the place of the model's own, and {@code stop_token_ids} (vLLM's) are added to them;
 * over gRPC, whose parameters hold no lists, either may be a string of comma-separated ids.
 * vLLM's names where the OIP has none: {@code logprobs} (alternatives per generated token, 0-20),
 * {@code prompt_logprobs} (true: the prompt's tokens too), {@code guided_choice} (a list of strings, or a JSON array
 * of strings in one string, as an InferParameter can only carry).
 */
public final class SamplingOverrides {

    /** Ids in {@code eos_token_id} and {@code stop_token_ids} together: a few end ids are all a request needs. */
    public static final int MAX_END_IDS = 64;
    private static final ObjectMapper JSON = new ObjectMapper();

    private SamplingOverrides() {
    }

    /** As {@link #apply(SamplingParams, Map, Supplier)} for a request that names no end ids. */
    public static SamplingParams apply(SamplingParams base, Map<String, ?> parameters) {
        return apply(base, parameters, List::of);
    }

    /** @param modelEndIds the model's own end ids, which {@code stop_token_ids} adds to */
    public static SamplingParams apply(SamplingParams base, Map<String, ?> parameters, Supplier<List<Integer>> modelEndIds) {
        SamplingParams p = base;
        try {
            for (Map.Entry<String, ?> e : parameters.entrySet()) {
                Object v = e.getValue();
                if (v == null) {
                    continue;
                }
                p = switch (e.getKey()) {
                    case "max_new_tokens", "max_tokens" -> p.withMaxNewTokens(maxNewTokens(e.getKey(), v));
                    case "temperature" -> p.withTemperature(doubleValue(e.getKey(), v));
                    case "top_p" -> p.withTopP(doubleValue(e.getKey(), v));
                    case "top_k" -> p.withTopK(intValue(e.getKey(), v));
                    case "repetition_penalty" -> p.withRepetitionPenalty(doubleValue(e.getKey(), v));
                    case "seed" -> p.withSeed(longValue(e.getKey(), v));
                    case "stop" -> p.withStop(stopStrings(v));
                    case "logprobs" -> p.withLogprobs(new SamplingParams.Logprobs(topLogprobs(e.getKey(), v),
                            p.logprobs() != null && p.logprobs().prompt()));
                    case "prompt_logprobs" -> promptLogprobs(p, e.getKey(), v);
                    case "guided_choice" -> p.withChoices(choices(e.getKey(), v));
                    default -> p;
                };
            }
            List<Integer> eos = ids(parameters, "eos_token_id");
            List<Integer> stopIds = ids(parameters, "stop_token_ids");
            if (eos != null || stopIds != null) {
                Set<Integer> end = new LinkedHashSet<>(eos != null ? eos : p.eosTokenIds() != null ? p.eosTokenIds() : modelEndIds.get());
                if (stopIds != null) {
                    end.addAll(stopIds);
                }
                if (end.size() > MAX_END_IDS) {
                    throw ServeException.badRequest("parameters eos_token_id and stop_token_ids name " + end.size()
                            + " ids together; at most " + MAX_END_IDS + " are taken");
                }
                p = p.withEosTokenIds(List.copyOf(end));
            }
        } catch (EngineException e) {
            throw ServeException.badRequest("invalid parameter: " + e.getMessage());
        }
        return p;
    }

    /** Checked here, not only by SamplingParams, so that an OpenAI client reads its own field's name: max_tokens. */
    private static int maxNewTokens(String key, Object v) {
        int n = intValue(key, v);
        if (n < 1 || n > SamplingParams.MAX_NEW_TOKENS_LIMIT) {
            throw ServeException.badRequest("parameter " + key + " must be between 1 and " + SamplingParams.MAX_NEW_TOKENS_LIMIT
                    + ", got " + n);
        }
        return n;
    }

    private static int topLogprobs(String key, Object v) {
        int n = intValue(key, v);
        if (n < 0 || n > SamplingParams.Logprobs.MAX_TOP) {
            throw ServeException.badRequest("parameter " + key + " must be between 0 and " + SamplingParams.Logprobs.MAX_TOP
                    + ", got " + n);
        }
        return n;
    }

    private static SamplingParams promptLogprobs(SamplingParams p, String key, Object v) {
        if (!(v instanceof Boolean b)) {
            throw ServeException.badRequest("parameter " + key + " must be true or false, got " + v);
        }
        int top = p.logprobs() == null ? 0 : p.logprobs().top();
        return b ? p.withLogprobs(new SamplingParams.Logprobs(top, true))
                : p.withLogprobs(p.logprobs() == null ? null : new SamplingParams.Logprobs(top, false));
    }

    /** A list of 1 to {@link SamplingParams#MAX_CHOICES} non-empty strings, checked here to name the client's field. */
    private static List<String> choices(String key, Object v) {
        Object list = v;
        if (v instanceof String s) {
            try {
                list = JSON.readValue(s, List.class);
            } catch (IOException e) {
                throw ServeException.badRequest("parameter " + key + " must be a JSON array of strings, got " + abbreviated(s));
            }
        }
        if (!(list instanceof List<?> items) || items.isEmpty()) {
            throw ServeException.badRequest("parameter " + key + " must be a non-empty list of strings");
        }
        if (items.size() > SamplingParams.MAX_CHOICES) {
            throw ServeException.badRequest("parameter " + key + " holds " + items.size() + " choices, more than "
                    + SamplingParams.MAX_CHOICES);
        }
        List<String> out = new ArrayList<>(items.size());
        for (Object o : items) {
            if (!(o instanceof String s) || s.isEmpty() || s.length() > SamplingParams.MAX_CHOICE_CHARS) {
                throw ServeException.badRequest("parameter " + key + " must hold strings of 1 to "
                        + SamplingParams.MAX_CHOICE_CHARS + " characters, got " + abbreviated(String.valueOf(o)));
            }
            out.add(s);
        }
        return out;
    }

    private static String abbreviated(String s) {
        return s.length() <= 80 ? s : s.substring(0, 80) + "...";
    }

    private static int intValue(String key, Object v) {
        long l = longValue(key, v);
        if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
            throw ServeException.badRequest("parameter " + key + " is out of range: " + v);
        }
        return (int) l;
    }

    /** A whole number within 64 bits; one beyond is refused, never wrapped. */
    private static long longValue(String key, Object v) {
        BigDecimal exact = null;
        if (v instanceof Number n && !(v instanceof Double d && (d.isNaN() || d.isInfinite()))
                && !(v instanceof Float f && (f.isNaN() || f.isInfinite()))) {
            exact = n instanceof BigDecimal b ? b : n instanceof BigInteger i ? new BigDecimal(i)
                    : n instanceof Double || n instanceof Float ? BigDecimal.valueOf(n.doubleValue()) : BigDecimal.valueOf(n.longValue());
        } else if (v instanceof String s && s.trim().matches("[-+]?\\d+")) {
            exact = new BigDecimal(s.trim());
        }
        if (exact == null || exact.stripTrailingZeros().scale() > 0) {
            throw ServeException.badRequest("parameter " + key + " must be an integer, got " + v);
        }
        try {
            return exact.longValueExact();
        } catch (ArithmeticException e) {
            throw ServeException.badRequest("parameter " + key + " is out of range: " + v);
        }
    }

    private static double doubleValue(String key, Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof String s) {
            try {
                return Double.parseDouble(s.trim());
            } catch (NumberFormatException ignored) {
                // falls through to the message below
            }
        }
        throw ServeException.badRequest("parameter " + key + " must be a number, got " + v);
    }

    /** Token ids under {@code key}: one id, a list of them, or (gRPC) a string of comma-separated ids; null when absent. */
    private static List<Integer> ids(Map<String, ?> parameters, String key) {
        Object v = parameters.get(key);
        if (v == null) {
            return null;
        }
        List<?> items = v instanceof List<?> list ? list
                : v instanceof String s && s.contains(",") ? List.of(s.split(",")) : List.of(v);
        if (items.size() > MAX_END_IDS) {
            throw ServeException.badRequest("parameter " + key + " names " + items.size() + " ids; at most " + MAX_END_IDS
                    + " are taken");
        }
        List<Integer> out = new ArrayList<>(items.size());
        for (Object item : items) {
            int id = intValue(key, item instanceof String s ? s.trim() : item);
            if (id < 0) {
                throw ServeException.badRequest("parameter " + key + " must hold token ids >= 0, got " + id);
            }
            out.add(id);
        }
        return out;
    }

    private static List<String> stopStrings(Object v) {
        if (v instanceof String s) {
            return List.of(s);
        }
        if (v instanceof List<?> list) {
            List<String> out = new ArrayList<>();
            for (Object o : list) {
                if (!(o instanceof String s)) {
                    throw ServeException.badRequest("parameter stop must be a string or a list of strings, got " + v);
                }
                out.add(s);
            }
            return out;
        }
        throw ServeException.badRequest("parameter stop must be a string or a list of strings, got " + v);
    }
}
