package dev.peftbench.engine.arch.llama;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.arch.ConfigFields;

import java.util.List;
import java.util.Locale;

/**
 * RoPE inverse frequencies from config.json, as transformers' modeling_rope_utils computes them, in
 * float32: the default {@code 1 / theta^(2i / headDim)}, and the {@code linear} and {@code llama3}
 * rewrites of {@code rope_scaling} (or of transformers 5's {@code rope_parameters}). Other scaling types
 * (dynamic, yarn, longrope, ...) change the angles in ways this engine does not compute and are refused
 * by name. Both supported types keep the cosines unscaled (attention factor 1).
 */
final class RopeFrequencies {

    static final List<String> SUPPORTED = List.of("default", "linear", "llama3");

    private RopeFrequencies() {
    }

    /** The scaling block of config.json: {@code rope_scaling}, else {@code rope_parameters}, else null. */
    static JsonNode scaling(JsonNode config) {
        for (String key : new String[] {"rope_scaling", "rope_parameters"}) {
            JsonNode node = config.get(key);
            if (node != null && !node.isNull()) {
                if (!node.isObject()) {
                    throw EngineException.loadFailed("config.json: '" + key + "' should be an object, got " + node);
                }
                return node;
            }
        }
        return null;
    }

    /** The scaling type: {@code rope_type}, or the older {@code type}; {@code default} without scaling. */
    static String type(JsonNode scaling) {
        if (scaling == null) {
            return "default";
        }
        JsonNode type = scaling.has("rope_type") ? scaling.get("rope_type") : scaling.get("type");
        return type == null || type.isNull() ? "default" : type.asText().toLowerCase(Locale.ROOT);
    }

    /** Refuses an unsupported scaling type by name (called before any weight is read). */
    static void check(JsonNode config, String architecture) {
        String type = type(scaling(config));
        if (!SUPPORTED.contains(type)) {
            throw EngineException.loadFailed("rope_scaling type '" + type + "' of " + architecture
                    + " is not supported; supported: " + String.join(", ", SUPPORTED));
        }
        JsonNode scaling = scaling(config);
        double partial = ConfigFields.number(config, "partial_rotary_factor",
                scaling == null ? 1.0 : ConfigFields.number(scaling, "partial_rotary_factor", 1.0));
        if (partial != 1.0) {
            throw EngineException.loadFailed("partial_rotary_factor " + partial + " of " + architecture
                    + " is not supported: RoPE over the whole head only");
        }
    }

    /** {@code headDim / 2} float32 inverse frequencies for {@code theta} and the config's scaling. */
    static float[] of(JsonNode config, double theta, int headDim, String architecture) {
        check(config, architecture);
        JsonNode scaling = scaling(config);
        float[] inv = new float[headDim / 2];
        for (int i = 0; i < inv.length; i++) {
            // 1.0 / (base ** (arange(0, dim, 2).float() / dim)), each step in float32
            float exponent = (float) (2 * i) / (float) headDim;
            inv[i] = 1f / (float) Math.pow((float) theta, exponent);
        }
        return switch (type(scaling)) {
            case "linear" -> linear(inv, scaling);
            case "llama3" -> llama3(inv, scaling);
            default -> inv;
        };
    }

    /** _compute_linear_scaling_rope_parameters: every frequency divided by {@code factor}. */
    private static float[] linear(float[] inv, JsonNode scaling) {
        float factor = (float) require(scaling, "factor");
        for (int i = 0; i < inv.length; i++) {
            inv[i] /= factor;
        }
        return inv;
    }

    /**
     * _compute_llama3_parameters: wavelengths beyond {@code original_max_position_embeddings / low_freq_factor}
     * are stretched by {@code factor}, those below {@code .. / high_freq_factor} kept, the ones between blended.
     */
    private static float[] llama3(float[] inv, JsonNode scaling) {
        float factor = (float) require(scaling, "factor");
        double low = require(scaling, "low_freq_factor");
        double high = require(scaling, "high_freq_factor");
        double oldContext = require(scaling, "original_max_position_embeddings");
        float lowWavelen = (float) (oldContext / low);
        float highWavelen = (float) (oldContext / high);
        for (int i = 0; i < inv.length; i++) {
            float wavelen = (float) (2 * Math.PI) / inv[i];
            float llama = wavelen > lowWavelen ? inv[i] / factor : inv[i];
            if (!(wavelen < highWavelen) && !(wavelen > lowWavelen)) {
                float smooth = ((float) oldContext / wavelen - (float) low) / (float) (high - low);
                llama = (1 - smooth) * llama / factor + smooth * llama;
            }
            inv[i] = llama;
        }
        return inv;
    }

    private static double require(JsonNode scaling, String key) {
        double value = ConfigFields.number(scaling, key, Double.NaN);
        if (Double.isNaN(value) || value <= 0) {
            throw EngineException.loadFailed("rope_scaling of type '" + type(scaling) + "' needs a positive '" + key + "'");
        }
        return value;
    }
}
