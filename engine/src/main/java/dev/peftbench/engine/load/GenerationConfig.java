package dev.peftbench.engine.load;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.engine.EngineException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The ids that end generation by default, as transformers' {@code generate()} takes them: the
 * {@code eos_token_id} of {@code generation_config.json} (one id or a list: Llama 3 instruct lists
 * several), else config.json's, else none.
 */
public final class GenerationConfig {

    private GenerationConfig() {
    }

    public static List<Integer> eosTokenIds(Path dir, JsonNode config) {
        Path file = dir.resolve("generation_config.json");
        if (Files.isRegularFile(file)) {
            JsonNode generation;
            try {
                generation = new ObjectMapper().readTree(file.toFile());
            } catch (JsonProcessingException e) {
                throw EngineException.loadFailed("generation_config.json in " + dir + " is not valid JSON: " + e.getOriginalMessage());
            } catch (IOException e) {
                throw EngineException.loadFailed("cannot read " + file + ": " + e.getMessage(), e);
            }
            if (generation != null && generation.hasNonNull("eos_token_id")) {
                return ids(generation.get("eos_token_id"), file.toString());
            }
        }
        return config.hasNonNull("eos_token_id") ? ids(config.get("eos_token_id"), "config.json in " + dir) : List.of();
    }

    private static List<Integer> ids(JsonNode node, String where) {
        List<Integer> ids = new ArrayList<>();
        for (JsonNode id : node.isArray() ? node : List.of(node)) {
            if (!id.isIntegralNumber() || !id.canConvertToInt() || id.intValue() < 0) {
                throw EngineException.loadFailed("eos_token_id in " + where + " should be a token id or a list of them, got " + node);
            }
            ids.add(id.intValue());
        }
        return List.copyOf(ids);
    }
}
