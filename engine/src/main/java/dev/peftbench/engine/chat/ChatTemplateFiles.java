package dev.peftbench.engine.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.engine.EngineException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Finds a snapshot's chat template where transformers' tokenizer loading finds it: a
 * {@code chat_template.jinja} file (how newer transformers saves it) wins over {@code chat_template} in
 * {@code tokenizer_config.json}, which is a string or a list of named templates (then "default" is the
 * one used, as no tools are passed). The special tokens come from {@code tokenizer_config.json},
 * overridden by {@code special_tokens_map.json} (its additional tokens appended), each a string or an
 * AddedToken object whose {@code content} is the text.
 */
public final class ChatTemplateFiles {

    static final String JINJA_FILE = "chat_template.jinja";
    static final String TOKENIZER_CONFIG = "tokenizer_config.json";
    static final String SPECIAL_TOKENS_MAP = "special_tokens_map.json";
    private static final List<String> SPECIAL_TOKENS = List.of("bos_token", "eos_token", "unk_token", "sep_token",
            "pad_token", "cls_token", "mask_token");
    private static final ObjectMapper JSON = new ObjectMapper();

    private ChatTemplateFiles() {
    }

    /**
     * The template of the snapshot in {@code dir}; {@link ChatTemplate#unavailable} when it has none.
     *
     * @throws EngineException LOAD_FAILED when a tokenizer file is there but cannot be read
     */
    public static ChatTemplate load(Path dir) {
        JsonNode config = readJson(dir.resolve(TOKENIZER_CONFIG));
        Map<String, Object> tokens = specialTokens(config, readJson(dir.resolve(SPECIAL_TOKENS_MAP)));
        Path jinja = dir.resolve(JINJA_FILE);
        if (Files.isRegularFile(jinja)) {
            try {
                return ChatTemplate.of(Files.readString(jinja, StandardCharsets.UTF_8), tokens);
            } catch (IOException e) {
                throw EngineException.loadFailed(jinja + " cannot be read: " + e.getMessage(), e);
            }
        }
        JsonNode template = config.path("chat_template");
        if (template.isTextual()) {
            return ChatTemplate.of(template.asText(), tokens);
        }
        if (template.isArray()) {
            List<String> names = new ArrayList<>();
            for (JsonNode named : template) {
                String name = named.path("name").asText();
                names.add(name);
                if (name.equals("default") && named.path("template").isTextual()) {
                    return ChatTemplate.of(named.path("template").asText(), tokens);
                }
            }
            return ChatTemplate.unavailable("this model has several chat templates " + names
                    + " and none named \"default\"; chat needs a default template");
        }
        return ChatTemplate.unavailable("this model has no chat template (no " + JINJA_FILE + ", no chat_template in "
                + TOKENIZER_CONFIG + "), so it cannot take chat messages; send a plain prompt instead");
    }

    /**
     * The special tokens of the snapshot in {@code dir} ({@code bos_token}, {@code eos_token}, ... as strings,
     * {@code additional_special_tokens} as a list), as transformers' {@code special_tokens_map} gives them.
     */
    public static Map<String, Object> specialTokens(Path dir) {
        return specialTokens(readJson(dir.resolve(TOKENIZER_CONFIG)), readJson(dir.resolve(SPECIAL_TOKENS_MAP)));
    }

    private static JsonNode readJson(Path file) {
        if (!Files.isRegularFile(file)) {
            return JSON.createObjectNode();
        }
        try {
            JsonNode node = JSON.readTree(file.toFile());
            if (node == null || !node.isObject()) {
                throw EngineException.loadFailed(file + " is not a JSON object");
            }
            return node;
        } catch (IOException e) {
            throw EngineException.loadFailed(file + " is not valid JSON: " + e.getMessage(), e);
        }
    }

    /** transformers' {@code special_tokens_map}: set tokens only, as strings. */
    private static Map<String, Object> specialTokens(JsonNode config, JsonNode map) {
        Map<String, Object> tokens = new LinkedHashMap<>();
        for (String name : SPECIAL_TOKENS) {
            String value = tokenText(map.has(name) ? map.get(name) : config.get(name));
            if (value != null) {
                tokens.put(name, value);
            }
        }
        List<String> additional = new ArrayList<>();
        for (JsonNode source : List.of(config.path("additional_special_tokens"), map.path("additional_special_tokens"))) {
            for (JsonNode token : source) {
                String text = tokenText(token);
                if (text != null && !additional.contains(text)) {
                    additional.add(text);
                }
            }
        }
        if (!additional.isEmpty()) {
            tokens.put("additional_special_tokens", List.copyOf(additional));
        }
        return tokens;
    }

    private static String tokenText(JsonNode token) {
        if (token == null || token.isNull()) {
            return null;
        }
        if (token.isTextual()) {
            return token.asText();
        }
        JsonNode content = token.path("content");
        return content.isTextual() ? content.asText() : null;
    }
}
