package dev.peftbench.engine.score;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.generate.PromptTemplate;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Rows of text to score against candidate labels with one served model (issue 26's scoring semantics): for each row
 * and label, log P(label's ids + end id | virtual tokens + template applied to the text), teacher-forced.
 *
 * @param model               the served name
 * @param texts               the rows' texts, before the template
 * @param labels              the candidate labels, distinct, each at least one token
 * @param template            null = the model's own template
 * @param endTokenId          the id ending every label; null = the adapter's training record's, else the tokenizer's
 *                            eos token ({@link dev.peftbench.engine.train.EndToken})
 * @param promptSpecialTokens the context is tokenized with the tokenizer's special tokens (a Llama BOS), as
 *                            {@code tune --prompt-special-tokens} tokenized the adapter's training prompts
 * @param useAdapter          false scores with the bare base model
 */
public record ScoreRequest(String model, List<String> texts, List<String> labels, PromptTemplate template,
                           Integer endTokenId, boolean promptSpecialTokens, boolean useAdapter) {

    /** Rows per request at most: the texts and their ids are held until the request ends. */
    public static final int MAX_ROWS = 100_000;
    /** Labels per request at most: every row forks its context once per label. */
    public static final int MAX_LABELS = 256;

    public ScoreRequest {
        if (model == null || model.isBlank()) {
            throw EngineException.invalid("no model name given");
        }
        if (texts == null || texts.isEmpty() || texts.size() > MAX_ROWS) {
            throw EngineException.invalid("give 1 to " + MAX_ROWS + " rows to score, got " + (texts == null ? 0 : texts.size()));
        }
        if (texts.stream().anyMatch(Objects::isNull)) {
            throw EngineException.invalid("row " + texts.indexOf(null) + " has no text");
        }
        if (labels == null || labels.isEmpty() || labels.size() > MAX_LABELS) {
            throw EngineException.invalid("the labels must be 1 to " + MAX_LABELS + " candidates, got "
                    + (labels == null ? 0 : labels.size()));
        }
        Set<String> seen = new HashSet<>();
        for (String label : labels) {
            if (label == null || label.isEmpty()) {
                throw EngineException.invalid("the labels include an empty one: every label needs a token to score");
            }
            if (!seen.add(label)) {
                throw EngineException.invalid("the labels name '" + label + "' twice");
            }
        }
        if (endTokenId != null && endTokenId < 0) {
            throw EngineException.invalid("the eos token id must be >= 0, got " + endTokenId);
        }
        texts = List.copyOf(texts);
        labels = List.copyOf(labels);
    }

    /** The model's template and end id, its adapter, contexts without special tokens (tune's defaults). */
    public static ScoreRequest of(String model, List<String> texts, List<String> labels) {
        return new ScoreRequest(model, texts, labels, null, null, false, true);
    }
}
