package dev.peftbench.engine.tokenize;

import dev.peftbench.engine.Golden;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Ids and texts equal those of the Rust tokenizers library (the goldens), streamed or not: plain prompts with the
 * special tokens each tokenizer adds (BLOOM and Qwen none, Llama 3 and Mistral their BOS), rendered chat prompts
 * without.
 */
class TokenizerTest {

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.peftbench.engine.Golden#names")
    void encodesAndDecodesLikeTransformers(String name) {
        Golden g = Golden.read(name);
        try (Tokenizer tokenizer = Tokenizer.load(g.modelDir())) {
            for (Golden.Row row : g.rows()) {
                assertArrayEquals(row.promptIds(), tokenizer.encode(row.prompt()), name + ": " + row.prompt());
                int[] generated = row.generatedTokenIds().stream().mapToInt(Integer::intValue).toArray();
                int[] all = new int[row.promptTokenIds().size() + generated.length];
                System.arraycopy(row.promptIds(), 0, all, 0, row.promptTokenIds().size());
                System.arraycopy(generated, 0, all, row.promptTokenIds().size(), generated.length);
                assertEquals(row.text(), tokenizer.decode(all, true));
                assertEquals(row.generatedText(), tokenizer.decode(generated, true));

                StreamingDecoder stream = new StreamingDecoder(tokenizer);
                StringBuilder deltas = new StringBuilder();
                for (int id : generated) {
                    deltas.append(stream.next(id));
                }
                deltas.append(stream.flush());
                assertEquals(row.generatedText(), deltas.toString(), name + ": deltas add up to the decoded text");
            }
        }
    }

    /** A rendered chat template holds its own BOS: encoding it with special tokens would add a second one (Llama, Mistral). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.peftbench.engine.Golden#chatNames")
    void renderedPromptsEncodeWithoutAddingSpecialTokens(String name) {
        Golden g = Golden.read(name);
        try (Tokenizer tokenizer = Tokenizer.load(g.modelDir())) {
            for (Golden.Row row : g.rows()) {
                assertArrayEquals(row.promptIds(), tokenizer.encode(row.prompt(), false), name + ": " + row.prompt());
                int added = tokenizer.encode(row.prompt(), true).length - row.promptTokenIds().size();
                assertEquals(g.model().startsWith("tiny-qwen") ? 0 : 1, added, name + ": special tokens a plain prompt gets");
            }
        }
    }

    /**
     * A Llama-style tokenizer adds what tokenizer_config.json's add_bos_token / add_eos_token say (transformers'
     * LlamaTokenizerFast rebuilds its post-processor from them), even where tokenizer.json's post-processor adds
     * another BOS.
     */
    @ParameterizedTest(name = "add_bos_token {0}, add_eos_token {1}")
    @CsvSource({"true, false", "false, false", "false, true", "true, true"})
    void llamaTokenizersFrameTextAsTheirConfigSays(boolean addBos, boolean addEos, @TempDir Path dir) throws IOException {
        Path source = Golden.folder("tiny-mistral");
        Files.copy(source.resolve("tokenizer.json"), dir.resolve("tokenizer.json"));
        ObjectNode config = (ObjectNode) new ObjectMapper().readTree(source.resolve("tokenizer_config.json").toFile());
        config.put("add_bos_token", addBos).put("add_eos_token", addEos);
        Files.writeString(dir.resolve("tokenizer_config.json"), config.toString());
        try (Tokenizer tokenizer = Tokenizer.load(dir)) {
            int[] bare = tokenizer.encode("hello world", false);
            int[] framed = tokenizer.encode("hello world");
            assertEquals(bare.length + (addBos ? 1 : 0) + (addEos ? 1 : 0), framed.length);
            assertEquals(addBos, framed[0] == 1, "starts with <s>");
            assertEquals(addEos, framed[framed.length - 1] == 2, "ends with </s>");
        }
    }

    @ParameterizedTest
    @MethodSource("idsPastTheVocabulary")
    void idsPastTheTokenizerVocabularyDecodeToNothing(List<Integer> ids) {
        try (Tokenizer tokenizer = Tokenizer.load(Golden.FIXTURES.resolve("tiny-bloom"))) {
            // tiny-bloom's embedding has 520 rows, its tokenizer 512 tokens (as bloomz-560m pads 250680 to 250880).
            String plain = tokenizer.decode(new int[] {ids.getFirst()}, true);
            assertEquals(plain, tokenizer.decode(ids.stream().mapToInt(Integer::intValue).toArray(), true));
        }
    }

    @Test
    void aGeneratedIdPastTheTokenizerIsLoggedOnceAsAMismatch() {
        Logger logger = (Logger) LoggerFactory.getLogger(Tokenizer.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try (Tokenizer tokenizer = Tokenizer.load(Golden.FIXTURES.resolve("tiny-bloom"))) {
            assertEquals(512, tokenizer.size());
            tokenizer.generated(511);
            assertEquals(List.of(), logged.list, "an id the tokenizer has");
            tokenizer.generated(515);
            tokenizer.generated(519);
            assertEquals(1, logged.list.size(), "once, however many follow");
            assertEquals(Level.WARN, logged.list.getFirst().getLevel());
            assertTrue(logged.list.getFirst().getFormattedMessage().startsWith("generated id 515, which the tokenizer (512 ids) "
                    + "has no token for: it decodes to nothing"), logged.list.getFirst().getFormattedMessage());
        } finally {
            logger.detachAppender(logged);
        }
    }

    static List<List<Integer>> idsPastTheVocabulary() {
        return List.of(List.of(300, 515), List.of(300, 519, 512));
    }
}
