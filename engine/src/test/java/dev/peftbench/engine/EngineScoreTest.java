package dev.peftbench.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.engine.generate.PromptTemplate;
import dev.peftbench.engine.generate.SamplingParams;
import dev.peftbench.engine.score.LabelScores;
import dev.peftbench.engine.score.RowScore;
import dev.peftbench.engine.score.ScoreRequest;
import dev.peftbench.engine.score.ScoringHandle;
import dev.peftbench.engine.train.TrainingRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Label scoring through the engine (issue 26's semantics): a row's score for its label is minus the summed loss tuning
 * computes for it, the end id follows the one rule, rows that cannot be scored are reported in their place.
 */
class EngineScoreTest {

    private static final String BLOOM = Golden.FIXTURES.resolve("tiny-bloom").toString();
    private static final List<String> LABELS = List.of("complaint", "no complaint");

    @TempDir
    static Path adapters;
    private static Engine engine;

    @BeforeAll
    static void start() throws IOException {
        engine = new Engine(new EngineOptions(16, 4, 2));
        PromptTemplate seed = PromptTemplate.parse("seed", "Tweet text");
        engine.load("prompt-tuning", ModelSpec.of(BLOOM, Golden.FIXTURES.resolve("tiny-bloom-prompt-tuning").toString(), seed),
                LoadProgress.NONE);
        engine.load("lora", ModelSpec.of(BLOOM, Golden.FIXTURES.resolve("tiny-bloom-lora").toString(), seed), LoadProgress.NONE);
        // The prompt-tuning adapter as tune writes it, its training record saying its labels ended with id 3.
        Path trained = Files.createDirectory(adapters.resolve("trained"));
        try (var files = Files.list(Golden.FIXTURES.resolve("tiny-bloom-prompt-tuning"))) {
            for (Path f : files.toList()) {
                Files.copy(f, trained.resolve(f.getFileName()));
            }
        }
        Files.writeString(trained.resolve(TrainingRecord.FILE), "{\"data\": {\"end_token_id\": 3}}");
        engine.load("trained", ModelSpec.of(BLOOM, trained.toString(), seed), LoadProgress.NONE);
        engine.load("short", new ModelSpec(BLOOM, null, new PromptTemplate.Raw(), Device.CPU, ComputeType.FLOAT32,
                Backend.AUTO, 12), LoadProgress.NONE);
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    /** The training golden's four examples, batched in one request: each row's label scores minus its loss sum. */
    @ParameterizedTest
    @ValueSource(strings = {"prompt-tuning", "lora"})
    void aRowsScoreForItsLabelIsMinusTheLossTuningComputesForIt(String name) throws IOException {
        JsonNode golden = new ObjectMapper().readTree(Golden.FIXTURES.resolve("training").resolve(name + ".json").toFile());
        List<String> texts = new ArrayList<>();
        golden.path("examples").forEach(e -> texts.add(e.path("text").asText()));

        LabelScores scores = engine.score(new ScoreRequest(name, texts, LABELS, null, golden.path("eos_token_id").asInt(),
                false, true), null);

        assertEquals(texts.size(), scores.rows().size());
        for (int i = 0; i < texts.size(); i++) {
            JsonNode example = golden.path("examples").get(i);
            int label = LABELS.indexOf(example.path("label").asText());
            double loss = golden.path("example_loss_sums").get(i).asDouble();
            assertEquals(-loss, scores.rows().get(i).logProbabilities()[label], 2e-3, name + " row " + i);
            List<Integer> target = new ArrayList<>();
            example.path("target_token_ids").forEach(id -> target.add(id.asInt()));
            assertEquals(target, scores.targets().get(label), "label " + label + "'s target ids");
        }
    }

    @Test
    void labelsEndWithTheAdaptersTrainedIdUnlessAnotherIsAsked() {
        List<String> texts = List.of("My parcel is late again");

        assertEquals(3, engine.score(ScoreRequest.of("trained", texts, LABELS), null).endTokenId(), "the training record's");
        assertEquals(2, engine.score(new ScoreRequest("trained", texts, LABELS, null, 2, false, true), null).endTokenId());
        assertEquals(2, engine.score(new ScoreRequest("trained", texts, LABELS, null, null, false, false), null).endTokenId(),
                "without the adapter: the tokenizer's eos token");
        LabelScores scores = engine.score(ScoreRequest.of("trained", texts, LABELS), null);
        assertEquals(3, scores.targets().getFirst().getLast());
    }

    @Test
    void rowsThatCannotBeScoredAreReportedInTheirPlace() {
        List<Integer> heard = Collections.synchronizedList(new ArrayList<>());
        List<String> texts = List.of("fine", "", "far too long a text for a model that takes twelve tokens at most", "also fine");

        LabelScores scores = engine.score(new ScoreRequest("short", texts, LABELS, null, null, false, true),
                row -> heard.add(row.row()));

        assertEquals(List.of(0, 1, 2, 3), heard, "every row, in order");
        List<RowScore> rows = scores.rows();
        assertTrue(rows.get(0).scored() && rows.get(3).scored());
        assertEquals("the prompt is empty after applying the template", rows.get(1).skipped());
        assertTrue(rows.get(2).skipped().startsWith("the prompt has "), rows.get(2).skipped());
        assertEquals(2, rows.get(0).logProbabilities().length);
        assertNull(rows.get(0).skipped());
    }

    @Test
    void anEmptyOrRepeatedLabelOrAnUnknownModelIsRefused() {
        List<String> texts = List.of("x");
        assertEquals("the labels name 'a' twice", assertThrows(EngineException.class,
                () -> ScoreRequest.of("lora", texts, List.of("a", "b", "a"))).getMessage());
        assertEquals(EngineException.Kind.INVALID_INPUT, assertThrows(EngineException.class,
                () -> ScoreRequest.of("lora", texts, List.of())).kind());
        assertEquals(EngineException.Kind.INVALID_INPUT, assertThrows(EngineException.class,
                () -> ScoreRequest.of("lora", texts, List.of("a", ""))).kind());
        assertEquals(EngineException.Kind.NOT_FOUND, assertThrows(EngineException.class,
                () -> engine.submitScores(ScoreRequest.of("nope", texts, LABELS), null)).kind());
        assertEquals(EngineException.Kind.INVALID_INPUT, assertThrows(EngineException.class,
                () -> engine.submitScores(new ScoreRequest("lora", texts, LABELS, null, 9999, false, true), null)).kind());
    }

    @Test
    void aCancelledRequestEndsWithTheRowsScoredSoFar() {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            texts.add("Complaint number " + i + ", again and again, every single day of the week");
        }
        ScoringHandle[] handle = new ScoringHandle[1];
        handle[0] = engine.submitScores(ScoreRequest.of("lora", texts, LABELS), row -> handle[0].cancel());

        LabelScores scores = handle[0].result().join();

        assertTrue(scores.cancelled());
        assertFalse(scores.rows().isEmpty());
        assertTrue(scores.rows().size() < texts.size(), scores.rows().size() + " rows");
    }

    /** Scoring runs on the model's scheduler beside generation: both answer as they would alone. */
    @Test
    void scoringAndGenerationInFlightTogetherBothAnswerAsAlone() {
        Golden g = Golden.read("seed-prompt-tuning");
        SamplingParams params = SamplingParams.DEFAULT.withMaxNewTokens(g.maxNewTokens()).withEosTokenIds(g.eosTokenId());
        List<String> texts = List.of("My order never arrived", "Lovely weather today", "Support ignores me");
        LabelScores alone = engine.score(ScoreRequest.of("prompt-tuning", texts, LABELS), null);

        GenerationHandle generation = engine.submit(GenerationRequest.of("prompt-tuning", g.rows().getFirst().input(), params),
                TokenListener.NONE);
        LabelScores beside = engine.score(ScoreRequest.of("prompt-tuning", texts, LABELS), null);

        assertEquals(g.rows().getFirst().generatedTokenIds(), generation.result().join().generatedTokenIds());
        for (int i = 0; i < texts.size(); i++) {
            for (int k = 0; k < LABELS.size(); k++) {
                assertEquals(alone.rows().get(i).logProbabilities()[k], beside.rows().get(i).logProbabilities()[k], 1e-4);
            }
        }
    }

    @Test
    void aContextScoredAgainReusesItsCachedBlocks() {
        List<String> texts = List.of("A long tweet about a delayed train, a missed connection and nobody answering the phone");
        engine.score(ScoreRequest.of("lora", texts, LABELS), null);
        long before = engine.stats().prefixCache().hitPositions();

        engine.score(ScoreRequest.of("lora", texts, LABELS), null);

        assertTrue(engine.stats().prefixCache().hitPositions() - before >= 16, "a full block of the context reused");
    }
}
