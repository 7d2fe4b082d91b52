package dev.peftbench.engine.tokenize;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.Golden;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PromptEncoderTest {

    private static Tokenizer tokenizer;
    private static PromptEncoder encoder;

    @BeforeAll
    static void load() {
        tokenizer = Tokenizer.load(Golden.FIXTURES.resolve("tiny-bloom"));
        encoder = new PromptEncoder(64);
    }

    @AfterAll
    static void close() {
        encoder.close();
        tokenizer.close();
    }

    @Test
    void aPromptOverItsByteLimitIsRefusedWithoutBeingTokenized() {
        String huge = "a ".repeat(2 * 1024 * 1024);
        long start = System.nanoTime();
        EngineException e = assertThrows(EngineException.class, () -> encoder.encode(tokenizer, huge, true, 65_536));
        assertTrue(System.nanoTime() - start < 500_000_000L, "refused by its size, not after tokenizing 4 MiB");
        assertEquals(EngineException.Kind.TOO_LARGE, e.kind());
        assertTrue(e.getMessage().contains("4194304 bytes") && e.getMessage().contains("65536 bytes"), e.getMessage());
        assertEquals(tokenizer.encode("hello there").length, encoder.encode(tokenizer, "hello there", true, 65_536).length);
    }

    @Test
    void sizesAreCountedInUtf8() {
        assertEquals(5, PromptEncoder.utf8Length("hello"));
        assertEquals(2, PromptEncoder.utf8Length("\u00e9"));
        assertEquals(3, PromptEncoder.utf8Length("\u20ac"));
        assertEquals(4, PromptEncoder.utf8Length("\ud83d\ude00"));
        assertEquals(3, PromptEncoder.utf8Length("\ud83d"), "a lone surrogate becomes the 3-byte replacement");
    }
}
