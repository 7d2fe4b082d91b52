package dev.peftbench.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peftbench.engine.tokenize.Tokenizer;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

/**
 * The tokenizer files of a random model: the bundled sample's tokenizer (its BPE, its few hundred ids),
 * padded with filler tokens {@code <extra_ID>} to the model's vocabulary so that every id the model can
 * generate decodes to text, with the family's special tokens at their ids (the eos config.json names is
 * one of them), its tokenizer class and, for Llama 3, the BOS every text starts with.
 */
final class RandomModelTokenizer {

    private static final ObjectMapper JSON = new ObjectMapper();

    private RandomModelTokenizer() {
    }

    /** Writes tokenizer.json, tokenizer_config.json and special_tokens_map.json into {@code out}. */
    static void write(Path sample, RandomModelShape shape, Path out) throws IOException {
        RandomModelShape.Vocabulary vocabulary = shape.vocabulary();
        int own;
        try (Tokenizer tokenizer = Tokenizer.load(sample)) {
            own = tokenizer.size();
        }
        ObjectNode json = (ObjectNode) JSON.readTree(sample.resolve("tokenizer.json").toFile());
        ArrayNode added = (ArrayNode) json.get("added_tokens");
        Map<Integer, String> taken = new TreeMap<>();
        added.forEach(t -> taken.put(t.path("id").asInt(), t.path("content").asText()));
        Map<Integer, String> specials = new TreeMap<>();
        vocabulary.specials().forEach((name, id) -> specials.put(id, name));
        for (Map.Entry<Integer, String> special : specials.entrySet()) {
            int id = special.getKey();
            if (id >= shape.vocabSize() || (id < own && !special.getValue().equals(taken.get(id)))) {
                throw new IllegalArgumentException("the vocabulary of " + shape.vocabSize() + " ids leaves no room for "
                        + special.getValue() + " at id " + id + " above the bundled tokenizer's " + own
                        + " ids; give --vocab a larger size");
            }
            if (!taken.containsKey(id)) {
                ObjectNode token = added.addObject();
                token.put("id", id).put("content", special.getValue()).put("single_word", false).put("lstrip", false)
                        .put("rstrip", false).put("normalized", false).put("special", true);
            }
        }
        // The special tokens go into the model's vocabulary too: the tokenizers library gives an added token
        // the model's id for it, else the next id after the vocabulary, whatever id added_tokens names.
        ObjectNode vocab = (ObjectNode) json.path("model").path("vocab");
        for (int id = own; id < shape.vocabSize(); id++) {
            vocab.put(specials.getOrDefault(id, "<extra_" + id + ">"), id);
        }
        if (vocabulary.addsBos()) {
            json.set("post_processor", prependingBos(json.get("post_processor"), vocabulary.bos(), vocabulary.specials().get(vocabulary.bos())));
        }
        JSON.writeValue(out.resolve("tokenizer.json").toFile(), json);

        ObjectNode config = (ObjectNode) JSON.readTree(sample.resolve("tokenizer_config.json").toFile());
        ObjectNode map = JSON.createObjectNode();
        config.put("tokenizer_class", vocabulary.tokenizerClass());
        for (String role : new String[] {"bos_token", "eos_token", "pad_token", "unk_token"}) {
            String token = switch (role) {
                case "bos_token" -> vocabulary.bos();
                case "eos_token" -> vocabulary.eos();
                case "pad_token" -> vocabulary.pad();
                default -> vocabulary.specials().containsKey("<unk>") ? "<unk>" : null;
            };
            if (token == null) {
                config.putNull(role);
            } else {
                config.put(role, token);
                map.put(role, token);
            }
        }
        Files.writeString(out.resolve("tokenizer_config.json"), config.toPrettyString());
        Files.writeString(out.resolve("special_tokens_map.json"), map.toPrettyString());
    }

    /** tokenizer.json's post-processor, then a template putting {@code bos} before every text (as Llama 3's does). */
    private static JsonNode prependingBos(JsonNode existing, String bos, int id) {
        ObjectNode template = JSON.createObjectNode().put("type", "TemplateProcessing");
        ArrayNode single = template.putArray("single");
        single.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
        single.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        ArrayNode pair = template.putArray("pair");
        pair.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 0);
        pair.addObject().putObject("Sequence").put("id", "A").put("type_id", 0);
        pair.addObject().putObject("SpecialToken").put("id", bos).put("type_id", 1);
        pair.addObject().putObject("Sequence").put("id", "B").put("type_id", 1);
        ObjectNode token = template.putObject("special_tokens").putObject(bos);
        token.put("id", bos);
        token.putArray("ids").add(id);
        token.putArray("tokens").add(bos);
        if (existing == null || existing.isNull()) {
            return template;
        }
        ObjectNode sequence = JSON.createObjectNode().put("type", "Sequence");
        sequence.putArray("processors").add(existing).add(template);
        return sequence;
    }
}
