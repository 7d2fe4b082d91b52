package dev.peftbench.engine.train;

import dev.peftbench.engine.eval.EvalReport;

import java.util.List;

/**
 * The held-out rows after training: the loss over their target tokens (as in training, without dropout),
 * whether greedy generation from each prompt answers exactly the label (trimmed), stopping at the id that
 * ends the labels or the model's eos ids, and every label's score with their metrics, as {@code eval} reports
 * them for the written adapter.
 *
 * @param scores the rows' label scores (the data's labels, sorted) and their metrics
 */
public record Evaluation(int rows, int exactMatches, double loss, List<Prediction> predictions, EvalReport scores) {

    /** One held-out row: its label and the answer generated for it. */
    public record Prediction(int row, String label, String generated) {
        public boolean matches() {
            return generated.strip().equals(label.strip());
        }
    }

    public Evaluation {
        predictions = List.copyOf(predictions);
    }

    public double accuracy() {
        return rows == 0 ? 0 : (double) exactMatches / rows;
    }
}
