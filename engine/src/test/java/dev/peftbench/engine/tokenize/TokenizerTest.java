package dev.peftbench.engine.tokenize;

import dev.peftbench.engine.Golden;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Ids and texts equal those of the Rust tokenizers library (the goldens), streamed or not: plain prompts with the
 * special tokens each tokenizer adds (BLOOM and Qwen none, Llama 3 and Mistral their BOS), rendered chat prompts
 * without.
 */
class TokenizerTest {

    static Stream<String> plainPromptGoldens() {
        return Stream.concat(Golden.names(), Golden.llamaNames());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("plainPromptGoldens")
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
    @MethodSource("dev.peftbench.engine.Golden#llamaChatNames")
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

    @ParameterizedTest
    @MethodSource("idsPastTheVocabulary")
    void idsPastTheTokenizerVocabularyDecodeToNothing(List<Integer> ids) {
        try (Tokenizer tokenizer = Tokenizer.load(Golden.FIXTURES.resolve("tiny-bloom"))) {
            // tiny-bloom's embedding has 520 rows, its tokenizer 512 tokens (as bloomz-560m pads 250680 to 250880).
            String plain = tokenizer.decode(new int[] {ids.getFirst()}, true);
            assertEquals(plain, tokenizer.decode(ids.stream().mapToInt(Integer::intValue).toArray(), true));
        }
    }

    static List<List<Integer>> idsPastTheVocabulary() {
        return List.of(List.of(300, 515), List.of(300, 519, 512));
    }
}
