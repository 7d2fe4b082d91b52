package dev.peftbench.engine.eval;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.generate.PromptTemplate;
import dev.peftbench.engine.generate.SamplingParams;
import dev.peftbench.engine.score.ScoreRequest;

import java.util.List;

/**
 * Labelled rows to evaluate with one served model, with or without its adapter.
 *
 * @param model               the served name
 * @param useAdapter          false evaluates the bare base model
 * @param rows                the rows, in data order
 * @param labels              the candidate labels
 * @param template            null = the model's own template
 * @param endTokenId          score mode: the id ending every label; null = the adapter's training record's, else the
 *                            tokenizer's eos token ({@link dev.peftbench.engine.train.EndToken}). Generate mode: the
 *                            id that ends generation; null = the model's own, as the server answers
 * @param promptSpecialTokens score mode: contexts tokenized with the tokenizer's special tokens, as
 *                            {@code tune --prompt-special-tokens} (generate mode encodes prompts as generation does)
 * @param mode                how rows are judged
 * @param maxNewTokens        generate mode: tokens generated at most per row
 */
public record EvalRequest(String model, boolean useAdapter, List<EvalRow> rows, LabelSet labels, PromptTemplate template,
                          Integer endTokenId, boolean promptSpecialTokens, EvalMode mode, int maxNewTokens) {

    /** Generate mode's default: the server's ({@link SamplingParams#DEFAULT}). */
    public static final int DEFAULT_MAX_NEW_TOKENS = SamplingParams.DEFAULT.maxNewTokens();

    public EvalRequest {
        if (model == null || model.isBlank()) {
            throw EngineException.invalid("no model name given");
        }
        if (rows == null || rows.isEmpty() || rows.size() > ScoreRequest.MAX_ROWS) {
            throw EngineException.invalid("give 1 to " + ScoreRequest.MAX_ROWS + " rows to evaluate, got "
                    + (rows == null ? 0 : rows.size()));
        }
        if (labels == null) {
            throw EngineException.invalid("no label set given");
        }
        if (endTokenId != null && endTokenId < 0) {
            throw EngineException.invalid("the eos token id must be >= 0, got " + endTokenId);
        }
        mode = mode == null ? EvalMode.SCORE : mode;
        if (maxNewTokens < 1 || maxNewTokens > SamplingParams.MAX_NEW_TOKENS_LIMIT) {
            throw EngineException.invalid("max new tokens must be between 1 and " + SamplingParams.MAX_NEW_TOKENS_LIMIT
                    + ", got " + maxNewTokens);
        }
        rows = List.copyOf(rows);
    }

    /** Score mode with the model's template and end id, its adapter, contexts without special tokens (tune's defaults). */
    public static EvalRequest scores(String model, List<EvalRow> rows, LabelSet labels) {
        return new EvalRequest(model, true, rows, labels, null, null, false, EvalMode.SCORE, DEFAULT_MAX_NEW_TOKENS);
    }
}
