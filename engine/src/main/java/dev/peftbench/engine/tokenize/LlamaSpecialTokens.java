package dev.peftbench.engine.tokenize;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;

/**
 * The special tokens a Llama-style tokenizer adds around a text: transformers' LlamaTokenizerFast rebuilds its
 * post-processor at load from {@code add_bos_token} (default true) and {@code add_eos_token} (default false) in
 * tokenizer_config.json ({@code update_post_processor}), whatever tokenizer.json's own says, so the engine does
 * the same for those tokenizer classes. Other tokenizers keep tokenizer.json's post-processor.
 *
 * @param bos the id put first, or -1
 * @param eos the id put last, or -1
 */
record LlamaSpecialTokens(int bos, int eos) {

    private static final Set<String> CLASSES = Set.of("LlamaTokenizer", "LlamaTokenizerFast", "CodeLlamaTokenizer",
            "CodeLlamaTokenizerFast");

    /** The framing tokenizer_config.json asks for, or null when tokenizer.json's post-processor decides. */
    static LlamaSpecialTokens read(Path dir, HuggingFaceTokenizer hf) throws IOException {
        Path file = dir.resolve("tokenizer_config.json");
        if (!Files.isRegularFile(file)) {
            return null;
        }
        JsonNode config = new ObjectMapper().readTree(file.toFile());
        if (config == null || !CLASSES.contains(config.path("tokenizer_class").asText())) {
            return null;
        }
        int bos = config.path("add_bos_token").asBoolean(true) ? id(config.get("bos_token"), hf) : -1;
        int eos = config.path("add_eos_token").asBoolean(false) ? id(config.get("eos_token"), hf) : -1;
        return new LlamaSpecialTokens(bos, eos);
    }

    /** A special token as tokenizer_config.json names it (a string or an AddedToken's {@code content}), or -1. */
    private static int id(JsonNode token, HuggingFaceTokenizer hf) {
        String text = token == null ? null : token.isObject() ? token.path("content").asText(null) : token.asText(null);
        if (text == null || text.isEmpty()) {
            return -1;
        }
        long[] ids = hf.encode(text, false, false).getIds();
        return ids.length == 1 ? Math.toIntExact(ids[0]) : -1;
    }

    /** {@code ids} (encoded without special tokens) framed by the BOS and EOS asked for. */
    int[] frame(int[] ids) {
        int before = bos >= 0 ? 1 : 0;
        int[] out = new int[ids.length + before + (eos >= 0 ? 1 : 0)];
        if (bos >= 0) {
            out[0] = bos;
        }
        System.arraycopy(ids, 0, out, before, ids.length);
        if (eos >= 0) {
            out[out.length - 1] = eos;
        }
        return out;
    }
}
