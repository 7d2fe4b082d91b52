package dev.peftbench.engine.train;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.Golden;
import dev.peftbench.engine.InputField;
import dev.peftbench.engine.tokenize.Tokenizer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** Which id ends a label: the one asked for, else the adapter's training record's, else the tokenizer's eos token. */
class EndTokenTest {

    private static final Path MODEL = Golden.FIXTURES.resolve("tiny-bloom");
    private static final int VOCAB = 520;
    private static Tokenizer tokenizer;

    @TempDir
    Path adapter;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.load(MODEL);
    }

    @AfterAll
    static void close() {
        tokenizer.close();
    }

    private void record(String data) throws IOException {
        Files.writeString(adapter.resolve(TrainingRecord.FILE), "{\"base_model\": \"m\", \"data\": " + data + "}");
    }

    @Test
    void withNothingNamedTheTokenizersEosTokenEndsTheLabel() {
        // tiny-bloom's eos_token is </s> (2); its generation default would be 3.
        assertEquals(2, EndToken.resolve(null, EndToken.trainedWith(adapter), MODEL, tokenizer, VOCAB));
    }

    @Test
    void theIdTheAdapterWasTrainedWithWinsOverTheTokenizers() throws IOException {
        record("{\"end_token_id\": 3}");

        assertEquals(3, EndToken.resolve(null, EndToken.trainedWith(adapter), MODEL, tokenizer, VOCAB));
    }

    @Test
    void theIdAskedForWinsOverTheAdapters() throws IOException {
        record("{\"end_token_id\": 3}");

        assertEquals(1, EndToken.resolve(1, EndToken.trainedWith(adapter), MODEL, tokenizer, VOCAB));
    }

    @Test
    void aRecordThatNamesNoIdOrCannotBeReadCountsAsNone() throws IOException {
        record("{\"rows\": 4}");
        assertNull(EndToken.trainedWith(adapter));
        Files.writeString(adapter.resolve(TrainingRecord.FILE), "{not json");
        assertNull(EndToken.trainedWith(adapter));
    }

    @Test
    void anIdOutsideTheVocabularyIsRefusedWhereverItCameFrom() throws IOException {
        EngineException asked = assertThrows(EngineException.class, () -> EndToken.resolve(600, null, MODEL, tokenizer, VOCAB));
        assertEquals("eos_token_id 600 is outside the model's 520 ids", asked.getMessage());
        assertEquals(List.of(InputField.EOS_TOKEN_ID), asked.fields());
        record("{\"end_token_id\": 999}");
        EngineException trained = assertThrows(EngineException.class,
                () -> EndToken.resolve(null, EndToken.trainedWith(adapter), MODEL, tokenizer, VOCAB));
        assertEquals(EngineException.Kind.INVALID_INPUT, trained.kind());
    }
}
