package dev.peftbench.engine.tokenize;

/**
 * Text to ids as {@link Tokenizer#encode(String, boolean)} does it: the tokenizer itself, or the engine's bounded
 * tokenizing threads ({@link PromptEncoder}) in front of it.
 */
@FunctionalInterface
public interface TextEncoder {
    int[] encode(String text, boolean addSpecialTokens);
}
