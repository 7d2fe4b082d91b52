package dev.peftbench.engine.eval;

/**
 * One row of an evaluation: its label and what was predicted, with every label's score and probability in score mode;
 * or why it was skipped.
 *
 * @param row              the row's index in the data ({@link EvalRow#index})
 * @param text             the row's text (before the template), or null
 * @param label            the row's true label, or null
 * @param predicted        score mode: the label with the highest score; generate mode: the answer trimmed of
 *                         surrounding whitespace (maybe none of the labels); null when skipped
 * @param logProbabilities score mode: log P(label k's target | context) for every label k of the set, in its order;
 *                         otherwise null
 * @param probabilities    score mode: their softmax over the label set; otherwise null
 * @param skipped          why the row was not evaluated (no text, empty label, a label outside the set, a prompt too
 *                         long), else null
 */
public record RowOutcome(int row, String text, String label, String predicted, double[] logProbabilities,
                         double[] probabilities, String skipped) {

    public RowOutcome {
        if ((skipped == null) == (predicted == null)) {
            throw new IllegalArgumentException("row " + row + " has either a prediction or a reason it was skipped");
        }
        if ((logProbabilities == null) != (probabilities == null)) {
            throw new IllegalArgumentException("row " + row + ": scores and probabilities come together");
        }
        logProbabilities = logProbabilities == null ? null : logProbabilities.clone();
        probabilities = probabilities == null ? null : probabilities.clone();
    }

    public static RowOutcome skipped(EvalRow row, String reason) {
        return new RowOutcome(row.index(), row.text(), row.label(), null, null, null, reason);
    }

    public boolean evaluated() {
        return skipped == null;
    }

    public boolean correct() {
        return evaluated() && predicted.equals(label);
    }

    public boolean scored() {
        return logProbabilities != null;
    }

    @Override
    public double[] logProbabilities() {
        return logProbabilities == null ? null : logProbabilities.clone();
    }

    @Override
    public double[] probabilities() {
        return probabilities == null ? null : probabilities.clone();
    }

    /** The highest probability among the labels (the prediction's): what calibration calls the confidence. */
    public double confidence() {
        double best = Double.NEGATIVE_INFINITY;
        for (double p : probabilities) {
            best = Math.max(best, p);
        }
        return best;
    }
}
