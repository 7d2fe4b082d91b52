package dev.peftbench.engine.load;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.engine.EngineException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A snapshot's {@code config.json}; each architecture reads the fields it needs from {@link #raw()}. */
public record HfConfig(Path dir, JsonNode raw) {

    public static HfConfig read(Path dir) {
        Path file = dir.resolve("config.json");
        if (!Files.isRegularFile(file)) {
            throw EngineException.loadFailed(dir + " has no config.json — is it a Hugging Face model snapshot?");
        }
        try {
            JsonNode root = new ObjectMapper().readTree(file.toFile());
            if (root == null || !root.isObject()) {
                throw EngineException.loadFailed("config.json in " + dir + " is not a JSON object");
            }
            return new HfConfig(dir, root);
        } catch (StreamConstraintsException e) {
            // Jackson's reading limits (nesting depth, number and string lengths), reported without a location
            throw EngineException.loadFailed("config.json in " + dir + " is beyond what a model configuration holds: "
                    + e.getOriginalMessage());
        } catch (JsonProcessingException e) {
            throw EngineException.loadFailed("config.json in " + dir + " is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr()));
        } catch (IOException e) {
            throw EngineException.loadFailed("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
