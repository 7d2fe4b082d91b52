package dev.peftbench.engine.arch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peftbench.engine.EngineException;

/**
 * Typed reads of config.json fields with the message a user can act on when one is missing or of the
 * wrong type. {@code family} names the config class in messages ("a BLOOM config needs it").
 */
public record ConfigFields(JsonNode config, String family) {

    /** The first of {@code names} present (transformers' attribute aliases), as an int. */
    public int requireInt(String... names) {
        for (String name : names) {
            Integer value = optionalInt(name);
            if (value != null) {
                return value;
            }
        }
        throw EngineException.loadFailed("config.json has no '" + names[0] + "' (a " + family + " config needs it)");
    }

    public int intOr(String name, int fallback) {
        Integer value = optionalInt(name);
        return value == null ? fallback : value;
    }

    /** The field as an int, or null when absent or null. */
    public Integer optionalInt(String name) {
        JsonNode node = config.get(name);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw EngineException.loadFailed("config.json: '" + name + "' should be an integer, got " + node);
        }
        return node.intValue();
    }

    public double doubleOr(String name, double fallback) {
        return number(config, name, fallback);
    }

    public boolean booleanOr(String name, boolean fallback) {
        JsonNode node = config.get(name);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isBoolean()) {
            throw EngineException.loadFailed("config.json: '" + name + "' should be true or false, got " + node);
        }
        return node.booleanValue();
    }

    /** {@code object.name} as a number, or {@code fallback} when absent or null. */
    public static double number(JsonNode object, String name, double fallback) {
        JsonNode node = object.get(name);
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isNumber()) {
            throw EngineException.loadFailed("config.json: '" + name + "' should be a number, got " + node);
        }
        return node.doubleValue();
    }
}
