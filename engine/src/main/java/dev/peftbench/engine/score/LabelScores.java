package dev.peftbench.engine.score;

import java.util.List;

/**
 * A scoring request's answer.
 *
 * @param labels     the candidate labels, in the request's order (the order of every row's scores)
 * @param targets    each label's target ids: its tokens without special tokens, then {@code endTokenId}
 * @param endTokenId the id that ended every target (asked for, else the adapter's training record's, else the
 *                   tokenizer's eos token)
 * @param rows       every row in request order, scored or skipped; after a cancel, those done until then
 * @param cancelled  whether the request was cancelled before its last row
 */
public record LabelScores(List<String> labels, List<List<Integer>> targets, int endTokenId, List<RowScore> rows,
                          boolean cancelled) {
    public LabelScores {
        labels = List.copyOf(labels);
        targets = targets.stream().map(List::copyOf).toList();
        rows = List.copyOf(rows);
    }
}
