package dev.peftbench.engine.tokenize;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.engine.EngineException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * A snapshot's {@code tokenizer.json} run by the Hugging Face {@code tokenizers} library (Rust, through
 * DJL), so ids and texts are exactly what transformers produces. Plain prompts are encoded as
 * {@code tokenizer(prompt)} does, with the special tokens the tokenizer adds (Llama 3's and Mistral's BOS;
 * none for Qwen and BLOOM: tokenizer.json's post-processor, or for Llama-style tokenizer classes
 * tokenizer_config.json's {@code add_bos_token} / {@code add_eos_token}, see {@link LlamaSpecialTokens});
 * text that already holds them (a rendered chat template) is encoded without. Nothing is truncated or padded here (the engine enforces its own prompt limit).
 */
public final class Tokenizer implements TextEncoder, AutoCloseable {

    private static final Pattern BYTE_TOKEN = Pattern.compile("<0x[0-9A-Fa-f]{2}>");

    private static final Logger LOG = LoggerFactory.getLogger(Tokenizer.class);

    private final HuggingFaceTokenizer hf;
    private final BitSet byteTokens;
    /** How a Llama-style tokenizer frames a text, or null to let tokenizer.json's post-processor add special tokens. */
    private final LlamaSpecialTokens llama;
    /** {@link #tokenText} of the ids asked so far: a few hundred distinct ones in a long generation with alternatives. */
    private final Map<Integer, String> tokenTexts = new ConcurrentHashMap<>();
    private final int size;
    private final AtomicBoolean warnedOutside = new AtomicBoolean();

    private Tokenizer(HuggingFaceTokenizer hf, BitSet byteTokens, LlamaSpecialTokens llama, int size) {
        this.hf = hf;
        this.byteTokens = byteTokens;
        this.llama = llama;
        this.size = size;
    }

    public static Tokenizer load(Path dir) {
        Path file = dir.resolve("tokenizer.json");
        if (!Files.isRegularFile(file)) {
            throw EngineException.loadFailed(dir + " has no tokenizer.json (the fast-tokenizer file transformers saves); "
                    + "re-save the tokenizer with save_pretrained");
        }
        HuggingFaceTokenizer hf = null;
        try {
            hf = HuggingFaceTokenizer.newInstance(file, Map.of(
                    "addSpecialTokens", "true",
                    "truncation", "false",
                    "padding", "false",
                    "modelMaxLength", String.valueOf(Integer.MAX_VALUE)));
            JsonNode json = new ObjectMapper().readTree(file.toFile());
            return new Tokenizer(hf, byteTokens(json), LlamaSpecialTokens.read(dir, hf), size(json));
        } catch (IOException | RuntimeException e) {
            if (hf != null) {
                hf.close();
            }
            throw EngineException.loadFailed("tokenizer.json or tokenizer_config.json in " + dir + " cannot be read: " + e.getMessage(), e);
        }
    }

    /** {@code text} with the tokenizer's special tokens added, as {@code tokenizer(text)}. */
    public int[] encode(String text) {
        return encode(text, true);
    }

    /**
     * {@code tokenizer(text, add_special_tokens=...)}: without special tokens for a rendered chat
     * template, which carries its own (a BOS added again would be doubled).
     */
    @Override
    public int[] encode(String text, boolean addSpecialTokens) {
        boolean byPostProcessor = addSpecialTokens && llama == null;
        long[] ids = hf.encode(text, byPostProcessor, false).getIds();
        int[] out = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            out[i] = Math.toIntExact(ids[i]);
        }
        return addSpecialTokens && llama != null ? llama.frame(out) : out;
    }

    /**
     * The {@code <0xHH>} tokens of a byte-fallback model (Llama 2 and Mistral tokenizers): the decoder turns a
     * run of them into its UTF-8 text, or into one U+FFFD per token when the run is not valid UTF-8.
     */
    private static BitSet byteTokens(JsonNode json) {
        JsonNode model = json.path("model");
        BitSet ids = new BitSet();
        if (model.path("byte_fallback").asBoolean(false)) {
            model.path("vocab").properties().forEach(e -> {
                if (BYTE_TOKEN.matcher(e.getKey()).matches() && e.getValue().canConvertToInt()) {
                    ids.set(e.getValue().intValue());
                }
            });
        }
        return ids;
    }

    /**
     * Whether {@code id} is a byte-fallback token, whose text depends on the tokens after it (a run of them
     * decodes as one UTF-8 sequence, or not at all).
     */
    public boolean isByteFallback(int id) {
        return id >= 0 && byteTokens.get(id);
    }

    /** Ids up to the highest of its vocabulary and added tokens (a Unigram vocabulary is a list: its length). */
    private static int size(JsonNode json) {
        JsonNode vocab = json.path("model").path("vocab");
        int max = vocab.isArray() ? vocab.size() - 1 : -1;
        if (vocab.isObject()) {
            for (var e : vocab.properties()) {
                max = Math.max(max, e.getValue().asInt(-1));
            }
        }
        for (JsonNode added : json.path("added_tokens")) {
            max = Math.max(max, added.path("id").asInt(-1));
        }
        return max + 1;
    }

    /** The ids it has a token for: 0 to {@code size() - 1}. */
    public int size() {
        return size;
    }

    /**
     * Hears of an id a model generated: the first one this tokenizer has no token for is logged, once. It
     * decodes to nothing, so a model whose vocabulary outgrows its tokenizer (a tokenizer borrowed from
     * another model) would otherwise answer empty text without a word.
     */
    public void generated(int id) {
        if (id >= size && warnedOutside.compareAndSet(false, true)) {
            LOG.warn("generated id {}, which the tokenizer ({} ids) has no token for: it decodes to nothing. The model's "
                    + "vocabulary is larger than its tokenizer's; if every answer is empty, the tokenizer is not the model's", id, size);
        }
    }

    /** Ids the tokenizer does not know (a padded embedding's spare rows) decode to nothing, as in transformers. */
    public String decode(int[] ids, boolean skipSpecialTokens) {
        long[] longs = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            longs[i] = ids[i];
        }
        return hf.decode(longs, skipSpecialTokens);
    }

    /**
     * {@code id} decoded alone with its special tokens kept, as vLLM shows a token with its log-probability
     * ({@code tokenizer.decode([id])}): a byte-level token holding part of a character decodes to U+FFFD.
     */
    public String tokenText(int id) {
        return tokenTexts.computeIfAbsent(id, i -> decode(new int[] {i}, false));
    }

    @Override
    public void close() {
        hf.close();
    }
}
