package dev.peftbench.engine;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peftbench.engine.generate.PromptTemplate;
import dev.peftbench.engine.generate.SamplingParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the engine does not compute is refused by name, never computed differently: configs before any weight
 * is read (the folders here hold a config.json and nothing else, so any later step would fail otherwise), and a
 * Mistral sequence longer than its sliding window when the request comes.
 */
class UnsupportedModelsTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static Engine engine;

    @BeforeAll
    static void start() {
        engine = new Engine(new EngineOptions(8, 4, 2));
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    /** tiny-llama's config.json with {@code key} set to {@code value} (JSON), alone in {@code dir}. */
    private static Path configOnly(Path dir, String architecture, String key, String value) throws IOException {
        ObjectNode config = (ObjectNode) JSON.readTree(Golden.folder("tiny-llama").resolve("config.json").toFile());
        config.putArray("architectures").add(architecture);
        config.set(key, JSON.readTree(value));
        Files.writeString(dir.resolve("config.json"), config.toPrettyString());
        return dir;
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
            "MixtralForCausalLM   | num_local_experts     | 8                                        | mixture-of-experts models are not supported",
            "Qwen2MoeForCausalLM  | num_experts           | 60                                       | mixture-of-experts models are not supported",
            "LlamaForCausalLM     | num_local_experts     | 4                                        | (num_local_experts = 4)",
            "LlamaForCausalLM     | rope_scaling          | {\"rope_type\": \"yarn\", \"factor\": 4} | rope_scaling type 'yarn' of LlamaForCausalLM is not supported; supported: default, linear, llama3",
            "Qwen2ForCausalLM     | rope_scaling          | {\"type\": \"dynamic\", \"factor\": 2}   | rope_scaling type 'dynamic' of Qwen2ForCausalLM is not supported",
            "LlamaForCausalLM     | rope_scaling          | {\"rope_type\": \"longrope\"}            | 'longrope'",
            "MistralForCausalLM   | hidden_act            | \"gelu\"                                 | hidden_act 'gelu' of MistralForCausalLM is not supported; supported: silu",
            "Qwen3ForCausalLM     | partial_rotary_factor | 0.5                                      | partial_rotary_factor 0.5",
            "LlamaForCausalLM     | num_key_value_heads   | 3                                        | not a multiple of num_key_value_heads 3",
            "GPT2LMHeadModel      | n_layer               | 2                                        | supported: BloomForCausalLM, LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM, Qwen3ForCausalLM"})
    void unsupportedConfigsAreRefusedByNameBeforeAnyWeightIsRead(String architecture, String key, String value, String message,
                                                                   @TempDir Path dir) throws IOException {
        Path model = configOnly(dir, architecture, key, value);
        EngineException e = assertThrows(EngineException.class,
                () -> engine.load("bad", ModelSpec.of(model.toString(), null, null), LoadProgress.NONE));
        assertEquals(EngineException.Kind.LOAD_FAILED, e.kind());
        assertTrue(e.getMessage().contains(message), e.getMessage());
        assertTrue(engine.find("bad").isEmpty());
    }

    /** Sliding-window attention is not implemented: a sequence that would slide is a bad request, a shorter one runs. */
    @Test
    void aMistralSequenceBeyondItsSlidingWindowIsRefusedWhenRequested(@TempDir Path dir) throws IOException {
        Path source = Golden.folder("tiny-mistral");
        try (Stream<Path> files = Files.list(source)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        ObjectNode config = (ObjectNode) JSON.readTree(source.resolve("config.json").toFile());
        config.put("sliding_window", 16);
        Files.writeString(dir.resolve("config.json"), config.toPrettyString());
        engine.load("window", ModelSpec.of(dir.toString(), null, PromptTemplate.parse("raw", null)), LoadProgress.NONE);
        String prompt = "hello world";
        int promptTokens = engine.tokenize("window", prompt).size();
        EngineException e = assertThrows(EngineException.class, () -> engine.submit(
                GenerationRequest.of("window", prompt, SamplingParams.DEFAULT.withMaxNewTokens(16 - promptTokens + 1)), TokenListener.NONE));
        assertEquals(EngineException.Kind.INVALID_INPUT, e.kind());
        assertTrue(e.getMessage().contains("more than MistralForCausalLM's sliding_window of 16"), e.getMessage());
        GenerationResult fits = engine.generate(GenerationRequest.of("window", prompt,
                SamplingParams.DEFAULT.withMaxNewTokens(16 - promptTokens).withEosTokenIds(java.util.List.of())), TokenListener.NONE);
        assertEquals(16, fits.promptTokenIds().size() + fits.generatedTokenIds().size());
        engine.unload("window");
    }
}
