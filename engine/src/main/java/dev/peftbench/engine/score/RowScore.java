package dev.peftbench.engine.score;

/**
 * One row's label scores: {@code logProbabilities[k]} = log P(target of label k | context), the target being the
 * label's ids and the end id, the context the adapter's virtual tokens and the templated text (issue 26's scoring
 * semantics: exactly minus the summed loss tuning computes for the row with that label).
 *
 * @param row           the row's index in the request
 * @param contextTokens the templated text's tokens (virtual tokens not counted)
 * @param skipped       why the row was not scored (prompt empty or too long), else null
 */
public record RowScore(int row, int contextTokens, double[] logProbabilities, String skipped) {

    public RowScore {
        logProbabilities = logProbabilities == null ? new double[0] : logProbabilities.clone();
        if ((skipped == null) == (logProbabilities.length == 0)) {
            throw new IllegalArgumentException("a row has either scores or a reason it was skipped");
        }
    }

    static RowScore skipped(int row, int contextTokens, String reason) {
        return new RowScore(row, contextTokens, null, reason);
    }

    @Override
    public double[] logProbabilities() {
        return logProbabilities.clone();
    }

    public boolean scored() {
        return skipped == null;
    }

    /** The softmax of the scores over the label set: each label's probability among the labels. */
    public double[] probabilities() {
        double max = logProbabilities[best()];
        double sum = 0;
        double[] p = new double[logProbabilities.length];
        for (int k = 0; k < p.length; k++) {
            p[k] = Math.exp(logProbabilities[k] - max);
            sum += p[k];
        }
        for (int k = 0; k < p.length; k++) {
            p[k] /= sum;
        }
        return p;
    }

    /** The predicted label's index: the highest score, the first in label order on a tie (as numpy's argmax). */
    public int best() {
        if (!scored()) {
            throw new IllegalStateException("row " + row + " was skipped: " + skipped);
        }
        int best = 0;
        for (int k = 1; k < logProbabilities.length; k++) {
            if (logProbabilities[k] > logProbabilities[best]) {
                best = k;
            }
        }
        return best;
    }
}
