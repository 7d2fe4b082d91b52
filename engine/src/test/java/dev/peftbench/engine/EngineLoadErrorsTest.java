package dev.peftbench.engine;

import dev.peftbench.engine.generate.PromptTemplate;
import dev.peftbench.engine.generate.SamplingParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each bad input the engine can be given ends in one clear error, and the engine keeps serving. */
class EngineLoadErrorsTest {

    private static final Path MODEL = Golden.FIXTURES.resolve("tiny-bloom");
    private static Engine engine;

    @BeforeAll
    static void start() {
        engine = new Engine(new EngineOptions(8, 4, 2));
        engine.load("good", ModelSpec.of(MODEL.toString(), null, null), LoadProgress.NONE);
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    private static EngineException loadFails(String base, String adapter) {
        EngineException e = assertThrows(EngineException.class,
                () -> engine.load("bad", ModelSpec.of(base, adapter, null), LoadProgress.NONE));
        // The engine keeps serving what it had.
        assertEquals(10, engine.generate(GenerationRequest.of("good", "still here", SamplingParams.DEFAULT.withEosTokenIds(java.util.List.of())),
                TokenListener.NONE).generatedTokenIds().size());
        assertTrue(engine.find("bad").isEmpty());
        return e;
    }

    /** A copy of the tiny model whose config.json is replaced. */
    private static Path withConfig(Path dir, String config) throws IOException {
        try (Stream<Path> files = Files.list(MODEL)) {
            for (Path f : files.toList()) {
                Files.copy(f, dir.resolve(f.getFileName()));
            }
        }
        Files.writeString(dir.resolve("config.json"), config);
        return dir;
    }

    @Test
    void missingFolderIsNotFound() {
        EngineException e = loadFails("/no/such/model", null);
        assertEquals(EngineException.Kind.NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains("/no/such/model"), e.getMessage());
    }

    @Test
    void missingConfigJsonSaysWhatIsMissing(@TempDir Path dir) throws IOException {
        withConfig(dir, "{}");
        Files.delete(dir.resolve("config.json"));
        EngineException e = loadFails(dir.toString(), null);
        assertTrue(e.getMessage().contains("has no config.json"), e.getMessage());
    }

    @Test
    void invalidConfigJsonNamesTheParseError(@TempDir Path dir) throws IOException {
        EngineException e = loadFails(withConfig(dir, "{\"architectures\": [\"BloomForCausalLM\",").toString(), null);
        assertEquals(EngineException.Kind.LOAD_FAILED, e.kind());
        assertTrue(e.getMessage().contains("not valid JSON") && e.getMessage().contains("line"), e.getMessage());
    }

    @Test
    void unknownArchitectureListsTheSupportedOnes(@TempDir Path dir) throws IOException {
        EngineException e = loadFails(withConfig(dir, "{\"architectures\": [\"GPT2LMHeadModel\"]}").toString(), null);
        assertTrue(e.getMessage().contains("GPT2LMHeadModel") && e.getMessage().contains("supported: BloomForCausalLM, LlamaForCausalLM"),
                e.getMessage());
    }

    @Test
    void configThatDisagreesWithTheWeightsIsRefused(@TempDir Path dir) throws IOException {
        String config = Files.readString(MODEL.resolve("config.json")).replace("\"hidden_size\": 64", "\"hidden_size\": 128");
        EngineException e = loadFails(withConfig(dir, config).toString(), null);
        assertTrue(e.getMessage().contains("word_embeddings.weight has shape"), e.getMessage());
    }

    @Test
    void adapterForAnotherBaseModelIsRefused(@TempDir Path dir) throws IOException {
        // A base with 32 hidden units cannot take the 64-wide prompt embeddings.
        Path small = dir.resolve("small");
        Files.createDirectories(small);
        dev.peftbench.engine.load.TestModels.writeTinyBloom(small, 32);
        EngineException e = loadFails(small.toString(), Golden.FIXTURES.resolve("tiny-bloom-prompt-tuning").toString());
        assertTrue(e.getMessage().contains("hidden size"), e.getMessage());
        EngineException lora = loadFails(small.toString(), Golden.FIXTURES.resolve("tiny-bloom-lora").toString());
        assertTrue(lora.getMessage().contains("trained for another base model"), lora.getMessage());
    }

    /** A Llama LoRA (q_proj...) on BLOOM: reported as the mismatch it is, naming both models, not as an unsupported module. */
    @Test
    void aLoraForAnotherFamilyIsReportedAsABaseMismatchNamingBothModels() {
        Path adapter = Golden.folder("tiny-llama-lora");
        EngineException e = loadFails(MODEL.toString(), adapter.toString());
        assertEquals(EngineException.Kind.LOAD_FAILED, e.kind());
        assertTrue(e.getMessage().startsWith("adapter " + adapter + " was trained for another base model than "
                + MODEL.toAbsolutePath() + " (BloomForCausalLM); it names tiny-llama as its base (base_model_name_or_path): "),
                e.getMessage());
        assertTrue(e.getMessage().contains("[q_proj, k_proj"), e.getMessage());
    }

    @Test
    void unknownPeftTypeListsTheSupportedOnes(@TempDir Path dir) throws IOException {
        Files.copy(Golden.FIXTURES.resolve("tiny-bloom-lora/adapter_model.safetensors"), dir.resolve("adapter_model.safetensors"));
        Files.writeString(dir.resolve("adapter_config.json"), "{\"peft_type\": \"IA3\", \"task_type\": \"CAUSAL_LM\"}");
        EngineException e = loadFails(MODEL.toString(), dir.toString());
        assertTrue(e.getMessage().contains("IA3") && e.getMessage().contains("PROMPT_TUNING, LORA"), e.getMessage());
    }

    @Test
    void folderWithoutAdapterConfigIsNotTakenForAnAdapter() {
        EngineException e = loadFails(MODEL.toString(), MODEL.toString());
        assertTrue(e.getMessage().contains("adapter_config.json"), e.getMessage());
    }

    @Test
    void promptLongerThanTheLimitIsRefused() {
        engine.load("short", new ModelSpec(MODEL.toString(), null, PromptTemplate.parse("raw", null),
                Device.CPU, ComputeType.FLOAT32, Backend.AUTO, 8), LoadProgress.NONE);
        EngineException e = assertThrows(EngineException.class, () -> engine.submit(
                GenerationRequest.of("short", "one two three four five six seven eight nine ten", SamplingParams.DEFAULT),
                TokenListener.NONE));
        assertEquals(EngineException.Kind.INVALID_INPUT, e.kind());
        assertTrue(e.getMessage().contains("limit of 8"), e.getMessage());
        engine.unload("short");
    }

    @Test
    void unknownModelNameIsNotFound() {
        EngineException e = assertThrows(EngineException.class,
                () -> engine.submit(GenerationRequest.of("nope", "x", SamplingParams.DEFAULT), TokenListener.NONE));
        assertEquals(EngineException.Kind.NOT_FOUND, e.kind());
        assertTrue(e.getMessage().contains("good"), "names the loaded models: " + e.getMessage());
    }

    @Test
    void badSamplingValuesAreRefusedWithTheirName() {
        EngineException e = assertThrows(EngineException.class, () -> SamplingParams.DEFAULT.withTopP(1.5));
        assertTrue(e.getMessage().contains("top_p"), e.getMessage());
        EngineException t = assertThrows(EngineException.class, () -> PromptTemplate.parse("no placeholder", null));
        assertTrue(t.getMessage().contains("{input}"), t.getMessage());
    }

    @Test
    void float16OnTheCpuBackendNamesTheTypesItRuns() {
        EngineException e = assertThrows(EngineException.class, () -> engine.load("f16",
                new ModelSpec(MODEL.toString(), null, null, Device.CPU, ComputeType.FLOAT16, Backend.CPU, 64), LoadProgress.NONE));
        assertTrue(e.getMessage().contains("float32, bfloat16, int8 or q4"), e.getMessage());
    }

    @Test
    void int8OnTheDjlBackendPointsToTheCpuBackend() {
        EngineException e = assertThrows(EngineException.class, () -> engine.load("int8djl",
                new ModelSpec(MODEL.toString(), null, null, Device.CPU, ComputeType.INT8, Backend.DJL, 64), LoadProgress.NONE));
        assertEquals(EngineException.Kind.INVALID_INPUT, e.kind());
        assertTrue(e.getMessage().contains("backend cpu"), e.getMessage());
    }

    @Test
    void int8NamesItsAliasesAndUnknownTypesListIt() {
        assertEquals(ComputeType.INT8, ComputeType.parse("int8"));
        assertEquals(ComputeType.INT8, ComputeType.parse("Q8_0"));
        EngineException e = assertThrows(EngineException.class, () -> ComputeType.parse("int4"));
        assertTrue(e.getMessage().contains("int8"), e.getMessage());
    }

    @Test
    void q4NamesItsAliasesAndUnknownTypesListIt() {
        assertEquals(ComputeType.Q4, ComputeType.parse("q4"));
        assertEquals(ComputeType.Q4, ComputeType.parse("Q4_0"));
        EngineException e = assertThrows(EngineException.class, () -> ComputeType.parse("q5"));
        assertTrue(e.getMessage().contains("q4"), e.getMessage());
    }

    @Test
    void q4OnTheDjlBackendPointsToTheCpuBackend() {
        EngineException e = assertThrows(EngineException.class, () -> engine.load("q4djl",
                new ModelSpec(MODEL.toString(), null, null, Device.CPU, ComputeType.Q4, Backend.DJL, 64), LoadProgress.NONE));
        assertTrue(e.getMessage().contains("q4") && e.getMessage().contains("backend cpu"), e.getMessage());
    }

    @Test
    void bfloat16OnTheDjlBackendPointsToTheCpuBackend() {
        EngineException e = assertThrows(EngineException.class, () -> engine.load("bf16djl",
                new ModelSpec(MODEL.toString(), null, null, Device.CPU, ComputeType.BFLOAT16, Backend.DJL, 64), LoadProgress.NONE));
        assertTrue(e.getMessage().contains("backend cpu"), e.getMessage());
    }

    @Test
    void gpuWithoutAVisibleGpuSaysSo() {
        org.junit.jupiter.api.Assumptions.assumeTrue(ai.djl.engine.Engine.getEngine("PyTorch").getGpuCount() == 0,
                "this machine has a GPU");
        EngineException e = assertThrows(EngineException.class, () -> engine.load("gpu",
                new ModelSpec(MODEL.toString(), null, null, Device.GPU, ComputeType.FLOAT32, Backend.AUTO, 64), LoadProgress.NONE));
        assertTrue(e.getMessage().contains("no CUDA GPU"), e.getMessage());
    }
}
