package dev.peftbench.engine;

import dev.peftbench.engine.chat.ChatMessage;
import dev.peftbench.engine.chat.Conversation;
import dev.peftbench.engine.generate.PromptTemplate;
import dev.peftbench.engine.generate.SamplingParams;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Automatic prefix caching through the engine: prompts that start the same way prefill only what follows the last
 * cached full block, a chat's second turn only what is new, adapters never share, and every answer is the one the
 * engine gives with the cache off.
 */
class EnginePrefixCacheTest {

    private static final int BLOCK = 16;
    private static final String BLOOM = Golden.FIXTURES.resolve("tiny-bloom").toString();
    private static final String LORA = Golden.FIXTURES.resolve("tiny-bloom-lora").toString();
    private static final String PROMPT_TUNING = Golden.FIXTURES.resolve("tiny-bloom-prompt-tuning").toString();
    /** Each test its own: blocks another test cached would be found. */
    private static String prefix(String topic) {
        return ("Every day is a new beginning for " + topic + ", filled with opportunities and hope. ").repeat(3);
    }
    private static final SamplingParams PARAMS = SamplingParams.DEFAULT.withMaxNewTokens(8).withEosTokenIds(List.of());

    private static Engine cached;
    private static Engine uncached;

    @BeforeAll
    static void start() {
        cached = new Engine(new EngineOptions(16, 4, 2));
        uncached = new Engine(new EngineOptions(16, 4, 2).withPrefixCacheBytes(0));
        for (Engine e : List.of(cached, uncached)) {
            e.load("base", spec(BLOOM, null), LoadProgress.NONE);
            e.load("lora", spec(BLOOM, LORA), LoadProgress.NONE);
            e.load("lora-again", spec(BLOOM, LORA), LoadProgress.NONE);
            e.load("prompt-tuning", spec(BLOOM, PROMPT_TUNING), LoadProgress.NONE);
            e.load("qwen", ModelSpec.of(Golden.folder("tiny-qwen2").toString(), null, null), LoadProgress.NONE);
        }
    }

    @AfterAll
    static void stop() {
        cached.close();
        uncached.close();
    }

    private static ModelSpec spec(String model, String adapter) {
        return ModelSpec.of(model, adapter, new PromptTemplate.Raw());
    }

    private static GenerationResult generate(Engine engine, String model, String input, boolean useAdapter) {
        return engine.generate(new GenerationRequest(model, input, null, PARAMS, useAdapter), TokenListener.NONE);
    }

    /** Generates on the cached engine and checks the answer against the uncached one; the stats' change. */
    private static PrefixCacheStats delta(String model, String input, boolean useAdapter) {
        PrefixCacheStats before = cached.stats().prefixCache();
        GenerationResult result = generate(cached, model, input, useAdapter);
        PrefixCacheStats after = cached.stats().prefixCache();
        assertEquals(generate(uncached, model, input, useAdapter).generatedTokenIds(), result.generatedTokenIds(),
                model + ": the same greedy ids with and without the cache");
        return new PrefixCacheStats(after.hitBlocks() - before.hitBlocks(), after.missedBlocks() - before.missedBlocks(),
                after.hitPositions() - before.hitPositions(), after.missedPositions() - before.missedPositions(),
                after.evictedBlocks() - before.evictedBlocks(), after.cachedBlocks(), after.idleBytes());
    }

    private static int tokens(String model, String text) {
        return cached.tokenize(model, text).size();
    }

    @Test
    void aRepeatedPrefixWithANewQuestionPrefillsOnlyWhatFollowsItsLastFullBlock() {
        String first = prefix("trains") + "Where is the station?";
        String second = prefix("trains") + "What time is it now, please?";
        int shared = commonPrefix(cached.tokenize("base", first), cached.tokenize("base", second));
        assertTrue(shared >= 2 * BLOCK, "the prompts share " + shared + " tokens");

        delta("base", first, true);
        PrefixCacheStats again = delta("base", second, true);

        int reused = shared / BLOCK * BLOCK;
        assertEquals(reused, again.hitPositions());
        assertEquals(reused / BLOCK, again.hitBlocks());
        assertEquals(tokens("base", second) - reused, again.missedPositions(), "positions prefilled");
    }

    @Test
    void aChatsSecondTurnPrefillsOnlyWhatIsNewPastTheLastFullBlock() {
        ChatMessage question = new ChatMessage("user", "Tell me about the weather in the mountains in spring.");
        GenerationResult turn1 = cached.generate(GenerationRequest.chat("qwen", Conversation.of(List.of(question)),
                PARAMS, true), TokenListener.NONE);
        Conversation second = Conversation.of(List.of(question, new ChatMessage("assistant", turn1.generatedText()),
                new ChatMessage("user", "And in autumn?")));

        PrefixCacheStats before = cached.stats().prefixCache();
        GenerationResult turn2 = cached.generate(GenerationRequest.chat("qwen", second, PARAMS, true), TokenListener.NONE);
        PrefixCacheStats after = cached.stats().prefixCache();

        // Turn 1 cached its prompt and every generated id it fed back (all but the last).
        List<Integer> computed = new ArrayList<>(turn1.promptTokenIds());
        computed.addAll(turn1.generatedTokenIds().subList(0, turn1.generatedTokenIds().size() - 1));
        List<Integer> prompt2 = turn2.promptTokenIds();
        int reusable = Math.min(commonPrefix(computed, prompt2), prompt2.size() - 1) / BLOCK * BLOCK;
        assertTrue(reusable >= 2 * BLOCK, "turn 2 starts with " + reusable + " positions of turn 1's blocks");
        assertEquals(reusable, after.hitPositions() - before.hitPositions());
        assertEquals(prompt2.size() - reusable, after.missedPositions() - before.missedPositions(), "positions prefilled");
        assertEquals(uncached.generate(GenerationRequest.chat("qwen", second, PARAMS, true), TokenListener.NONE)
                .generatedTokenIds(), turn2.generatedTokenIds());
    }

    /**
     * LoRA changes every key and value, prompt tuning every position after its virtual tokens: a request finds only
     * blocks computed by the same loaded adapter (or, without one, by the bare model), and answers as without a cache.
     */
    @Test
    void aRequestNeverReusesBlocksAnotherAdapterComputed() {
        String prompt = prefix("adapters") + "Which adapter am I?";
        int full = (tokens("base", prompt) - 1) / BLOCK * BLOCK;

        assertEquals(0, delta("lora", prompt, true).hitPositions(), "first LoRA request");
        assertEquals(0, delta("prompt-tuning", prompt, true).hitPositions(), "after LoRA");
        assertEquals(0, delta("base", prompt, true).hitPositions(), "after both adapters");
        assertEquals(0, delta("lora-again", prompt, true).hitPositions(), "the same folder loaded under another name");
        assertEquals(full, delta("lora", prompt, true).hitPositions(), "LoRA again");
        assertEquals(full, delta("lora", prompt, false).hitPositions(), "the LoRA name without its adapter: the base blocks");
        int virtual = 8;
        assertEquals((virtual + tokens("base", prompt) - 1) / BLOCK * BLOCK, delta("prompt-tuning", prompt, true).hitPositions(),
                "prompt tuning again, its virtual tokens included");
    }

    @Test
    void idleBlocksOverTheCapAreEvictedAndTheirPromptsComputedAgain() {
        // Two tiny-bloom blocks: 2 layers x 4 heads x 16 positions x 16 features, keys and values in float32.
        long block = 2L * 4 * BLOCK * 16 * 2 * Float.BYTES;
        try (Engine small = new Engine(new EngineOptions(16, 4, 2).withPrefixCacheBytes(2 * block))) {
            small.load("base", spec(BLOOM, null), LoadProgress.NONE);
            String first = prefix("caps") + "one";
            String other = "Something else entirely, long enough to fill several blocks of sixteen tokens each.";
            small.generate(GenerationRequest.of("base", first, PARAMS), TokenListener.NONE);
            small.generate(GenerationRequest.of("base", other, PARAMS), TokenListener.NONE);
            PrefixCacheStats before = small.stats().prefixCache();
            small.generate(GenerationRequest.of("base", first, PARAMS), TokenListener.NONE);
            PrefixCacheStats after = small.stats().prefixCache();

            assertTrue(before.evictedBlocks() > 0, "evicted " + before.evictedBlocks());
            assertEquals(2 * block, before.idleBytes(), "idle blocks kept up to the cap");
            assertEquals(0, after.hitPositions() - before.hitPositions(), "the first prompt's blocks were the oldest");
        }
    }

    private static int commonPrefix(List<Integer> a, List<Integer> b) {
        int n = 0;
        while (n < a.size() && n < b.size() && a.get(n).equals(b.get(n))) {
            n++;
        }
        return n;
    }
}
