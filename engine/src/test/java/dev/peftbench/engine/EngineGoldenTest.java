package dev.peftbench.engine;

import dev.peftbench.engine.chat.ChatMessage;
import dev.peftbench.engine.chat.Conversation;
import dev.peftbench.engine.generate.PromptTemplate;
import dev.peftbench.engine.generate.SamplingParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * End to end through the public API: template, tokenizer, scheduler (continuous batching), sampler,
 * detokenizer — each golden row's ids and texts exactly as transformers + peft produce them.
 */
class EngineGoldenTest {

    private static Engine engine;
    /** Prefills three prompt positions per step: every golden prompt is fed in chunks, beside the others' decoding. */
    private static Engine chunking;

    @BeforeAll
    static void start() {
        engine = new Engine(new EngineOptions(64, 8, 2));
        chunking = new Engine(new EngineOptions(64, 8, 2).withMaxPrefillTokens(3));
    }

    @AfterAll
    static void stop() {
        engine.close();
        chunking.close();
    }

    static ModelSpec spec(Golden g, String model, String adapter) {
        PromptTemplate template = PromptTemplate.parse(g.template(), g.textColumn());
        return ModelSpec.of(Golden.folder(model).toString(), adapter == null ? null : Golden.folder(adapter).toString(), template);
    }

    static SamplingParams params(Golden g) {
        return SamplingParams.DEFAULT.withMaxNewTokens(g.maxNewTokens()).withEosTokenIds(g.eosTokenId());
    }

    /**
     * Every family end to end: the tokenizer adds each model's special tokens (Llama 3's and Mistral's BOS, nothing for
     * BLOOM and Qwen), and a request naming no eos ids stops where the family's eos policy says (BLOOM at 3, the
     * others at generation_config.json's): every golden whose ids are those is sent without any, the others with theirs.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.peftbench.engine.Golden#names")
    void concurrentRequestsReturnTheReferenceIdsAndTextsWithTheModelsEosIds(String name) {
        returnsTheReferenceIdsAndTexts(engine, name);
    }

    /** Chunk boundaries inside prompts and prompt-tuning prefixes, rows sharing each step's budget in arrival order. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.peftbench.engine.Golden#names")
    void promptsPrefilledInChunksReturnTheReferenceIdsAndTexts(String name) {
        returnsTheReferenceIdsAndTexts(chunking, name);
    }

    private static void returnsTheReferenceIdsAndTexts(Engine engine, String name) {
        Golden g = Golden.read(name);
        engine.load(name, spec(g, g.model(), g.adapter()), LoadProgress.NONE);
        boolean modelsEos = g.eosTokenId().equals(engine.find(name).orElseThrow().base().eosTokenIds());
        SamplingParams params = modelsEos ? SamplingParams.DEFAULT.withMaxNewTokens(g.maxNewTokens()) : params(g);
        List<GenerationHandle> handles = new ArrayList<>();
        for (Golden.Row row : g.rows()) {
            handles.add(engine.submit(GenerationRequest.of(name, row.input(), params), TokenListener.NONE));
        }
        assertRowsMatch(g, handles);
        engine.unload(name);
    }

    /**
     * A chat request is rendered by the model's own chat template and encoded without adding special tokens again
     * (the template writes its BOS and turn markers), as transformers' apply_chat_template + generate do.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.peftbench.engine.Golden#chatNames")
    void chatRequestsReturnTheReferencePromptIdsAndTexts(String name) {
        Golden g = Golden.read(name);
        engine.load(name, ModelSpec.of(g.modelDir().toString(), null, null), LoadProgress.NONE);
        List<GenerationHandle> handles = new ArrayList<>();
        for (Golden.Row row : g.rows()) {
            List<ChatMessage> messages = row.messages().stream().map(m -> new ChatMessage(m.get("role"), m.get("content"))).toList();
            Conversation chat = new Conversation(messages, g.addGenerationPrompt(), g.chatTemplateKwargs());
            handles.add(engine.submit(GenerationRequest.chat(name, chat, SamplingParams.DEFAULT.withMaxNewTokens(g.maxNewTokens()), true),
                    TokenListener.NONE));
        }
        assertRowsMatch(g, handles);
        engine.unload(name);
    }

    private static void assertRowsMatch(Golden g, List<GenerationHandle> handles) {
        for (int i = 0; i < g.rows().size(); i++) {
            Golden.Row row = g.rows().get(i);
            GenerationResult result = handles.get(i).result().join();
            assertEquals(row.prompt(), result.prompt(), g.name() + " row " + i + " prompt");
            assertEquals(row.promptTokenIds(), result.promptTokenIds(), g.name() + " row " + i + " prompt ids");
            assertEquals(row.generatedTokenIds(), result.generatedTokenIds(), g.name() + " row " + i + " generated ids");
            assertEquals(row.text(), result.text(), g.name() + " row " + i + " text");
            assertEquals(row.generatedText(), result.generatedText(), g.name() + " row " + i + " generated text");
        }
    }

    /** Models of different families, each with its own adapter or none, share one engine at the same time. */
    @Test
    void modelsOfDifferentFamiliesAndAdaptersRunSideBySide() {
        List<String> names = List.of("seed-lora", "llama-seed-lora", "qwen2-seed-lora", "mistral-seed-prompt-tuning", "qwen3-seed-base",
                "llama-seed-prompt-tuning");
        List<GenerationHandle> handles = new ArrayList<>();
        for (String name : names) {
            Golden g = Golden.read(name);
            engine.load("side-" + name, spec(g, g.model(), g.adapter()), LoadProgress.NONE);
        }
        for (String name : names) {
            Golden g = Golden.read(name);
            handles.add(engine.submit(GenerationRequest.of("side-" + name, g.rows().getFirst().input(), params(g)), TokenListener.NONE));
        }
        for (int i = 0; i < names.size(); i++) {
            assertEquals(Golden.read(names.get(i)).rows().getFirst().generatedTokenIds(),
                    handles.get(i).result().join().generatedTokenIds(), names.get(i));
        }
        names.forEach(name -> engine.unload("side-" + name));
    }

    @Test
    void streamedDeltasConcatenateToTheGeneratedText() {
        Golden g = Golden.read("unicode-lora");
        engine.load("stream", spec(g, g.model(), g.adapter()), LoadProgress.NONE);
        StringBuilder streamed = new StringBuilder();
        List<Integer> ids = new ArrayList<>();
        GenerationResult result = engine.generate(GenerationRequest.of("stream", g.rows().getFirst().input(), params(g)),
                (id, delta) -> {
                    ids.add(id);
                    streamed.append(delta);
                });
        assertEquals(result.generatedTokenIds(), ids);
        assertEquals(result.generatedText(), streamed.toString());
        engine.unload("stream");
    }

    @Test
    void oneBaseServesAdaptersAndBareRequestsInTheSameBatch() {
        Golden base = Golden.read("seed-base");
        Golden pt = Golden.read("seed-prompt-tuning");
        Golden lora = Golden.read("seed-lora");
        engine.load("mix-base", spec(base, base.model(), null), LoadProgress.NONE);
        engine.load("mix-pt", spec(pt, pt.model(), pt.adapter()), LoadProgress.NONE);
        engine.load("mix-lora", spec(lora, lora.model(), lora.adapter()), LoadProgress.NONE);
        var handles = List.of(
                engine.submit(GenerationRequest.of("mix-lora", lora.rows().getFirst().input(), params(lora)), TokenListener.NONE),
                engine.submit(GenerationRequest.of("mix-base", base.rows().getFirst().input(), params(base)), TokenListener.NONE),
                engine.submit(GenerationRequest.of("mix-pt", pt.rows().getFirst().input(), params(pt)), TokenListener.NONE),
                engine.submit(new GenerationRequest("mix-pt", pt.rows().getFirst().input(), null, params(base), false),
                        TokenListener.NONE));
        assertEquals(lora.rows().getFirst().generatedTokenIds(), handles.get(0).result().join().generatedTokenIds());
        assertEquals(base.rows().getFirst().generatedTokenIds(), handles.get(1).result().join().generatedTokenIds());
        assertEquals(pt.rows().getFirst().generatedTokenIds(), handles.get(2).result().join().generatedTokenIds());
        assertEquals(base.rows().getFirst().generatedTokenIds(), handles.get(3).result().join().generatedTokenIds(),
                "useAdapter=false runs the bare base model");
        engine.unload("mix-base");
        engine.unload("mix-pt");
        engine.unload("mix-lora");
    }
}
