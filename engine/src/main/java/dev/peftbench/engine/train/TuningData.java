package dev.peftbench.engine.train;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.InputField;

import java.nio.file.Path;
import java.util.Objects;

/**
 * What to learn from and how examples are built from it.
 *
 * @param template            {@code seed} (peft's example: {@code "{text column} : {text} Label : "}), {@code raw},
 *                            or a pattern with {@code {input}}
 * @param evalSplit           the fraction of rows held out for the evaluation (0: none)
 * @param maxLength           the most positions a row may take (virtual tokens, prompt, label, end id); null:
 *                            the model's limit
 * @param skipLongRows        rows longer than that are left out (true) or refuse the run (false)
 * @param endTokenId          the id appended to every label; null: the tokenizer's eos token, as peft's example
 * @param promptSpecialTokens the prompt is tokenized with the tokenizer's special tokens (a Llama BOS, as
 *                            generation encodes prompts); off: without, as the label is
 */
public record TuningData(Path file, String textColumn, String labelColumn, String template, double evalSplit,
                         Integer maxLength, boolean skipLongRows, Integer endTokenId, boolean promptSpecialTokens) {

    public TuningData {
        if (file == null) {
            throw EngineException.invalid("no data file given: set {0} (a .csv or .jsonl file)", InputField.DATA);
        }
        if (textColumn == null || textColumn.isBlank() || labelColumn == null || labelColumn.isBlank()) {
            throw EngineException.invalid("name the text and label columns ({0}, {1})", InputField.TEXT_COLUMN, InputField.LABEL_COLUMN);
        }
        template = template == null || template.isBlank() ? "seed" : template;
        if (!(evalSplit >= 0 && evalSplit < 1)) {
            throw EngineException.invalid("{0} must be a fraction in [0, 1), got " + evalSplit, InputField.EVAL_SPLIT);
        }
        if (maxLength != null && maxLength < 2) {
            throw EngineException.invalid("{0} must be at least 2, got " + maxLength, InputField.MAX_LENGTH);
        }
        if (endTokenId != null && endTokenId < 0) {
            throw EngineException.invalid("{0} must be >= 0, got " + endTokenId, InputField.EOS_TOKEN_ID);
        }
    }

    /** The reference scenario's data layout: peft's twitter-complaints columns, seed template, no held-out rows. */
    public static TuningData of(Path file, String textColumn, String labelColumn) {
        return new TuningData(file, textColumn, labelColumn, "seed", 0, null, false, null, false);
    }
}
