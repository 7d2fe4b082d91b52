package dev.peftbench.engine.train;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.generate.PromptTemplate;
import dev.peftbench.engine.tokenize.Tokenizer;

/**
 * Turns examples into ids as peft's causal-LM example does: the template applied to the text and
 * tokenized, the label tokenized on its own without special tokens, then the id that ends the answer
 * (the tokenizer's eos token unless told otherwise). The prompt is tokenized without special tokens too
 * unless {@code promptSpecialTokens} (then as {@code tokenizer(prompt)}, which adds a Llama-style BOS, as
 * generation sends prompts).
 */
public record ExampleEncoder(Tokenizer tokenizer, PromptTemplate template, int endId, boolean promptSpecialTokens) {

    public EncodedExample encode(Example example) {
        int[] prompt = tokenizer.encode(template.apply(example.text()), promptSpecialTokens);
        if (prompt.length == 0) {
            throw EngineException.invalid("row " + example.row() + ": the prompt is empty after applying the template");
        }
        int[] label = tokenizer.encode(example.label(), false);
        int[] target = new int[label.length + 1];
        System.arraycopy(label, 0, target, 0, label.length);
        target[label.length] = endId;
        return new EncodedExample(example.row(), prompt, target);
    }
}
