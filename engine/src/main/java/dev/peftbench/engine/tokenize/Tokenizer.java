package dev.peftbench.engine.tokenize;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import dev.peftbench.engine.EngineException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A snapshot's {@code tokenizer.json} run by the Hugging Face {@code tokenizers} library (Rust, through
 * DJL), so ids and texts are exactly what transformers produces. Prompts are encoded as
 * {@code tokenizer(prompt)} does for BLOOM: its tokenizer.json adds no special tokens; nothing is
 * truncated or padded here (the engine enforces its own prompt limit).
 */
public final class Tokenizer implements AutoCloseable {

    private final HuggingFaceTokenizer hf;

    private Tokenizer(HuggingFaceTokenizer hf) {
        this.hf = hf;
    }

    public static Tokenizer load(Path dir) {
        Path file = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw EngineException.loadFailed(dir + " has no tokenizer.json (the fast-tokenizer file transformers saves); "
                    + "re-save the tokenizer with save_pretrained");
        }
        try {
            return new Tokenizer(HuggingFaceTokenizer.newInstance(file, Map.of(
                    "addSpecialTokens", "true",
                    "truncation", "false",
                    "padding", "false",
                    "modelMaxLength", String.valueOf(Integer.MAX_VALUE))));
        } catch (IOException | RuntimeException e) {
            throw EngineException.loadFailed("tokenizer.json in " + dir + " cannot be read: " + e.getMessage(), e);
        }
    }

    public int[] encode(String text) {
        return encode(text, true);
    }

    /**
     * {@code tokenizer(text, add_special_tokens=...)}: without special tokens for a rendered chat
     * template, which carries its own (a BOS added again would be doubled).
     */
    public int[] encode(String text, boolean addSpecialTokens) {
        long[] ids = hf.encode(text, addSpecialTokens, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return out;
    }

    /** Ids the tokenizer does not know (a padded embedding's spare rows) decode to nothing, as in transformers. */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] longs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            longs[i] = ids[i];
        }
        return hf.decode(longs, skipSpecialTokens);
    }

    @Override
    public void close() {
        hf.close();
    }
}
