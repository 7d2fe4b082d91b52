package dev.peftbench.cli;

import dev.peftbench.serve.cli.CommandLines;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.engine.load.DType;
import dev.peftbench.engine.load.SafetensorsWriter;
import dev.peftbench.engine.load.WeightSource;
import dev.peftbench.engine.tokenize.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code make-random-model --like}: each shape's config and tensors as the real checkpoint has them, and the engine runs it. */
class MakeRandomModelCommandTest {

    static GenerateCommandTest.Run make(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = CommandLines.of(new MakeRandomModelCommand());
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        System.setProperty("peftbench.home", Path.of("..").toAbsolutePath().normalize().toString());
        int code = cli.execute(args);
        return new GenerateCommandTest.Run(code, out.toString(), err.toString());
    }

    /** A one-layer copy with a small vocabulary, written and then run through {@code generate --json} in bfloat16. */
    @ParameterizedTest
    @ValueSource(strings = {"bloomz-560m", "qwen2.5-0.5b", "qwen3-0.6b"})
    void aSmallCopyOfEachShapeLoadsAndGenerates(String like, @TempDir Path dir) throws Exception {
        GenerateCommandTest.Run made = make("--like", like, "--layers", "1", "--vocab", "2048",
                "--dtype", "bfloat16", "--out", dir.toString());
        assertEquals(0, made.code(), made.err());
        JsonNode generated = new ObjectMapper().readTree(GenerateCommandTest.run("--model", dir.toString(), "--adapter", "none",
                "--template", "raw", "--prompt", "hello", "--max-new-tokens", "2", "--dtype", "bfloat16", "--json").out());
        assertEquals(2, generated.get("generated_token_ids").size(), generated.toString());
        try (WeightSource weights = WeightSource.open(dir)) {
            assertEquals(DType.BF16, weights.info(weights.names().iterator().next()).dtype());
        }
    }

    /**
     * The tokenizer fits the model: padded to its vocabulary (every generated id decodes to text), the family's
     * tokenizer class, config.json's eos a token it has, Llama 3's BOS before every prompt.
     */
    @ParameterizedTest
    @ValueSource(strings = {"qwen2.5-0.5b", "qwen3-0.6b", "llama-3.2-1b"})
    void theTokenizerFitsTheModelAndAnswersAreText(String like, @TempDir Path dir) throws Exception {
        GenerateCommandTest.Run made = make("--like", like, "--layers", "1", "--vocab", "2048", "--out", dir.toString());
        assertEquals(0, made.code(), made.err());
        ObjectMapper json = new ObjectMapper();
        JsonNode config = json.readTree(dir.resolve("config.json").toFile());
        JsonNode tokenizerConfig = json.readTree(dir.resolve("tokenizer_config.json").toFile());
        RandomModelShape.Vocabulary vocabulary = RandomModelShape.KNOWN.get(like).vocabulary();
        assertEquals(vocabulary.tokenizerClass(), tokenizerConfig.get("tokenizer_class").asText());
        int eos = config.get("eos_token_id").isArray() ? config.get("eos_token_id").get(0).asInt() : config.get("eos_token_id").asInt();
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            assertEquals(2048, tokenizer.size());
            assertEquals(List.of(eos), java.util.Arrays.stream(tokenizer.encode(tokenizerConfig.get("eos_token").asText(), false))
                    .boxed().toList(), "config.json's eos is the tokenizer's eos token");
            assertEquals("<extra_1000>", tokenizer.decode(new int[] {1000}, true));
            int[] prompt = tokenizer.encode("hello");
            assertEquals(like.startsWith("llama"), prompt[0] == config.get("bos_token_id").asInt(), "BOS first only for Llama 3");
        }
        JsonNode generated = json.readTree(GenerateCommandTest.run("--model", dir.toString(), "--adapter", "none",
                "--template", "raw", "--prompt", "hello", "--max-new-tokens", "3", "--json").out());
        assertTrue(generated.get("generated_text").asText().length() > 0, "every id decodes to text: " + generated);
    }

    @Test
    void aVocabularyTooSmallForTheFamilysSpecialTokensIsRefused(@TempDir Path dir) {
        GenerateCommandTest.Run r = make("--like", "qwen2.5-0.5b", "--layers", "1", "--vocab", "600", "--out", dir.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("give --vocab a larger size"), r.err());
    }

    /** The real models' numbers: Qwen2.5-0.5B (q/k/v biases, 2 KV heads), Llama-3.2-1B (llama3 RoPE), Qwen3-0.6B (q/k norms, head_dim 128). */
    @Test
    void theShapesAreTheRealModels() {
        Map<String, long[]> qwen2 = shapes("qwen2.5-0.5b");
        assertArrayEquals(new long[] {151936, 896}, qwen2.get("model.embed_tokens.weight"));
        assertArrayEquals(new long[] {128, 896}, qwen2.get("model.layers.23.self_attn.k_proj.weight"));
        assertArrayEquals(new long[] {128}, qwen2.get("model.layers.0.self_attn.v_proj.bias"));
        assertArrayEquals(new long[] {4864, 896}, qwen2.get("model.layers.0.mlp.gate_proj.weight"));
        Map<String, long[]> llama = shapes("llama-3.2-1b");
        assertArrayEquals(new long[] {2048, 2048}, llama.get("model.layers.15.self_attn.q_proj.weight"));
        assertArrayEquals(new long[] {512, 2048}, llama.get("model.layers.15.self_attn.v_proj.weight"));
        assertEquals("llama3", RandomModelShape.KNOWN.get("llama-3.2-1b").config(DType.BF16).path("rope_scaling").path("rope_type").asText());
        Map<String, long[]> qwen3 = shapes("qwen3-0.6b");
        assertArrayEquals(new long[] {2048, 1024}, qwen3.get("model.layers.27.self_attn.q_proj.weight"));
        assertArrayEquals(new long[] {1024, 2048}, qwen3.get("model.layers.27.self_attn.o_proj.weight"));
        assertArrayEquals(new long[] {128}, qwen3.get("model.layers.0.self_attn.k_norm.weight"));
        for (String like : List.of("qwen2.5-0.5b", "llama-3.2-1b", "qwen3-0.6b")) {
            assertTrue(!shapes(like).containsKey("lm_head.weight"), like + " ties its embeddings");
        }
    }

    private static Map<String, long[]> shapes(String like) {
        return RandomModelShape.KNOWN.get(like).entries(DType.BF16).stream()
                .collect(Collectors.toMap(SafetensorsWriter.Entry::name, SafetensorsWriter.Entry::shape));
    }

    @Test
    void anUnknownShapeListsTheKnownOnes(@TempDir Path dir) {
        GenerateCommandTest.Run r = make("--like", "gpt2", "--out", dir.toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("supported: bloomz-560m, llama-3.2-1b, qwen2.5-0.5b, qwen3-0.6b"), r.err());
    }
}
