package dev.peftbench.engine;

import dev.peftbench.engine.arch.CausalLm;
import dev.peftbench.engine.arch.ForwardRow;
import dev.peftbench.engine.arch.Logits;
import dev.peftbench.engine.generate.SamplingParams;
import dev.peftbench.engine.tensor.KvCache;
import dev.peftbench.engine.tokenize.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Guided choice (vLLM's {@code guided_choice}) on the tiny BLOOM fixture: answers held to a set of strings that share
 * token prefixes, one of them a prefix of another.
 */
class EngineGuidedChoiceTest {

    private static final String MODEL = "choice";
    /** "no" is a token prefix of "no complaint"; "complaint" and "no complaint" end alike. */
    private static final List<String> CHOICES = List.of("complaint", "no complaint", "no", "neutral", "nonsense");

    private static Engine engine;
    private static Golden golden;
    private static Tokenizer tokenizer;

    @BeforeAll
    static void start() {
        engine = new Engine(new EngineOptions(64, 8, 2));
        golden = Golden.read("seed-base");
        engine.load(MODEL, EngineGoldenTest.spec(golden, golden.model(), null), LoadProgress.NONE);
        tokenizer = Tokenizer.load(golden.modelDir());
    }

    @AfterAll
    static void stop() {
        engine.close();
        tokenizer.close();
    }

    private static String input() {
        return golden.rows().getFirst().input();
    }

    private static SamplingParams choices(List<String> choices) {
        return SamplingParams.DEFAULT.withMaxNewTokens(8).withEosTokenIds(golden.eosTokenId()).withChoices(choices);
    }

    @Test
    void theChoicesShareTokenPrefixesAsThisTestNeeds() {
        int[] no = tokenizer.encode("no", false);
        int[] noComplaint = tokenizer.encode("no complaint", false);
        assertArrayEquals(no, Arrays.copyOf(noComplaint, no.length), "'no' is a token prefix of 'no complaint'");
        assertEquals(tokenizer.encode("nonsense", false)[0], tokenizer.encode("neutral", false)[0],
                "'nonsense' and 'neutral' begin with the same token");
    }

    @Test
    void everySampledAnswerIsOneOfTheChoices() {
        Set<String> answers = new TreeSet<>();
        for (long seed = 0; seed < 60; seed++) {
            GenerationResult r = engine.generate(GenerationRequest.of(MODEL, input(),
                    choices(CHOICES).withTemperature(8.0).withSeed(seed)), TokenListener.NONE);
            assertTrue(CHOICES.contains(r.generatedText()), "seed " + seed + " answered '" + r.generatedText() + "'");
            assertEquals(FinishReason.EOS_TOKEN, r.finishReason(), "a choice ends with the model's eos");
            answers.add(r.generatedText());
        }
        assertTrue(answers.size() >= 3, "sampling reaches several choices: " + answers);
    }

    @Test
    void freeGreedyTextIsNoneOfTheChoicesSoTheConstraintIsWhatDecides() {
        GenerationResult free = engine.generate(GenerationRequest.of(MODEL, input(), SamplingParams.DEFAULT.withMaxNewTokens(8)),
                TokenListener.NONE);
        assertFalse(CHOICES.contains(free.generatedText()), free.generatedText());
    }

    @Test
    void greedyTakesTheMostLikelyAllowedTokenAtEveryStep() {
        GenerationResult r = engine.generate(GenerationRequest.of(MODEL, input(), choices(CHOICES)), TokenListener.NONE);
        assertEquals(greedyWithinChoices(CHOICES, List.of(golden.eosTokenId().getFirst())), r.generatedTokenIds());
        assertTrue(CHOICES.contains(r.generatedText()), r.generatedText());
    }

    @Test
    void withoutAnEndIdTheAnswerEndsWithTheFirstChoiceItCompletes() {
        GenerationResult r = engine.generate(GenerationRequest.of(MODEL, input(), choices(List.of("no complaint", "no"))
                .withEosTokenIds(List.of())), TokenListener.NONE);
        assertEquals("no", r.generatedText());
        assertEquals(FinishReason.CHOICE_COMPLETE, r.finishReason());
        assertEquals(greedyWithinChoices(List.of("no complaint", "no"), List.of()), r.generatedTokenIds());
    }

    @Test
    void logprobsOfAConstrainedAnswerAreTheModelsRawOnes() {
        GenerationResult constrained = engine.generate(GenerationRequest.of(MODEL, input(),
                choices(CHOICES).withLogprobs(new SamplingParams.Logprobs(3, false))), TokenListener.NONE);
        GenerationResult free = engine.generate(GenerationRequest.of(MODEL, input(),
                SamplingParams.DEFAULT.withMaxNewTokens(8).withLogprobs(new SamplingParams.Logprobs(3, false))), TokenListener.NONE);
        // Same first position: the same distribution, whichever token each one then took.
        assertEquals(free.logprobs().getFirst().top(), constrained.logprobs().getFirst().top());
    }

    @Test
    void aChoiceLongerThanTheTokenBudgetIsRefusedBeforeWork() {
        EngineException e = assertThrows(EngineException.class, () -> engine.submit(GenerationRequest.of(MODEL, input(),
                SamplingParams.DEFAULT.withMaxNewTokens(1).withChoices(List.of("no complaint"))), TokenListener.NONE));
        assertEquals(EngineException.Kind.INVALID_INPUT, e.kind());
        assertTrue(e.getMessage().contains("new tokens this request allows"), e.getMessage());
    }

    @Test
    void boundsOnChoicesAreCheckedOnConstruction() {
        assertThrows(EngineException.class, () -> SamplingParams.DEFAULT.withChoices(List.of("")));
        assertThrows(EngineException.class, () -> SamplingParams.DEFAULT.withChoices(List.of("x".repeat(SamplingParams.MAX_CHOICE_CHARS + 1))));
        List<String> many = new ArrayList<>();
        for (int i = 0; i <= SamplingParams.MAX_CHOICES; i++) {
            many.add("c" + i);
        }
        assertThrows(EngineException.class, () -> SamplingParams.DEFAULT.withChoices(many));
    }

    /**
     * The reference, on the bare model: at each step the allowed token with the largest logit, allowed meaning it
     * continues some choice, or it is an end id where the ids so far are a whole choice; without end ids, the first
     * whole choice ends it.
     */
    private static List<Integer> greedyWithinChoices(List<String> choices, List<Integer> ends) {
        List<int[]> paths = choices.stream().map(c -> tokenizer.encode(c, false)).toList();
        int[] prompt = tokenizer.encode(golden.rows().getFirst().prompt());
        List<Integer> out = new ArrayList<>();
        try (CausalLm model = GoldenRunner.load(golden.modelDir(), ComputeType.FLOAT32)) {
            while (true) {
                int[] ids = new int[prompt.length + out.size()];
                System.arraycopy(prompt, 0, ids, 0, prompt.length);
                for (int i = 0; i < out.size(); i++) {
                    ids[prompt.length + i] = out.get(i);
                }
                Set<Integer> allowed = new HashSet<>();
                boolean whole = false;
                for (int[] path : paths) {
                    if (path.length > out.size() && startsWith(path, out)) {
                        allowed.add(path[out.size()]);
                    }
                    whole |= path.length == out.size() && startsWith(path, out);
                }
                if (whole) {
                    if (ends.isEmpty()) {
                        return out;
                    }
                    allowed.addAll(ends);
                }
                float[] logits;
                try (KvCache cache = model.newCache(ids.length)) {
                    Logits l = model.forward(List.of(new ForwardRow(cache, ids, null, null)));
                    logits = Arrays.copyOfRange(l.values(), 0, l.vocab());
                }
                int best = allowed.stream().sorted().reduce((a, b) -> logits[b] > logits[a] ? b : a).orElseThrow();
                out.add(best);
                if (ends.contains(best)) {
                    return out;
                }
            }
        }
    }

    private static boolean startsWith(int[] path, List<Integer> ids) {
        for (int i = 0; i < ids.size(); i++) {
            if (path[i] != ids.get(i)) {
                return false;
            }
        }
        return true;
    }
}
