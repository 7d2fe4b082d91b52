package dev.peftbench.engine.train;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.generate.PromptTemplate;
import dev.peftbench.engine.tokenize.TextEncoder;

/**
 * Turns examples into ids as peft's causal-LM example does: the template applied to the text and
 * tokenized, the label tokenized on its own without special tokens, then the id that ends the answer
 * (the tokenizer's eos token unless told otherwise, see {@link EndToken}). The prompt is tokenized without
 * special tokens too unless {@code promptSpecialTokens} (then as {@code tokenizer(prompt)}, which adds a
 * Llama-style BOS, as generation encodes prompts). The one owner of that choice: tuning builds its rows with it,
 * and label scoring its contexts and targets, so a score is exactly minus the loss tuning computes.
 */
public record ExampleEncoder(TextEncoder tokenizer, PromptTemplate template, int endId, boolean promptSpecialTokens) {

    public EncodedExample encode(Example example) {
        int[] prompt = prompt(example.text());
        if (prompt.length == 0) {
            throw EngineException.invalid("row " + example.row() + ": the prompt is empty after applying the template");
        }
        return new EncodedExample(example.row(), prompt, target(example.label()));
    }

    /** The prompt's ids: the template applied to {@code text}; empty when that leaves no token. */
    public int[] prompt(String text) {
        return tokenizer.encode(template.apply(text), promptSpecialTokens);
    }

    /** What the model learns to answer: {@code label}'s ids without special tokens, then the end id. */
    public int[] target(String label) {
        int[] ids = tokenizer.encode(label, false);
        int[] target = new int[ids.length + 1];
        System.arraycopy(ids, 0, target, 0, ids.length);
        target[ids.length] = endId;
        return target;
    }
}
