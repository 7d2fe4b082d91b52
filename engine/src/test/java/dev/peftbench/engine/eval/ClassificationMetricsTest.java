package dev.peftbench.engine.eval;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The metrics against cases worked by hand with scikit-learn's definitions ({@code labels=} the label set,
 * {@code zero_division=0}) and the common 10-bin ECE.
 */
class ClassificationMetricsTest {

    private static final LabelSet ABC = new LabelSet(List.of("a", "b", "c"));

    private static RowOutcome predicted(int row, String label, String predicted) {
        return new RowOutcome(row, "text " + row, label, predicted, null, null, null);
    }

    /** A scored row: {@code probabilities} over the labels, the scores their logs, the prediction the best. */
    private static RowOutcome scored(int row, LabelSet labels, String label, double... probabilities) {
        double[] logs = new double[probabilities.length];
        int best = 0;
        for (int k = 0; k < logs.length; k++) {
            logs[k] = Math.log(probabilities[k]);
            if (probabilities[k] > probabilities[best]) {
                best = k;
            }
        }
        return new RowOutcome(row, "text", label, labels.labels().get(best), logs, probabilities, null);
    }

    /**
     * y_true a a a b b c, y_pred a a b b c c: sklearn's precision_recall_fscore_support gives a (1, 2/3, 0.8, 3),
     * b (0.5, 0.5, 0.5, 2), c (0.5, 1, 2/3, 1); accuracy 4/6; macro F1 the mean of the three.
     */
    @Test
    void perLabelAndMacroFiguresAreScikitLearns() {
        String[] truth = {"a", "a", "a", "b", "b", "c"};
        String[] guess = {"a", "a", "b", "b", "c", "c"};
        List<RowOutcome> rows = new ArrayList<>();
        for (int i = 0; i < truth.length; i++) {
            rows.add(predicted(i, truth[i], guess[i]));
        }

        ClassificationMetrics m = ClassificationMetrics.of(ABC, EvalMode.GENERATE, rows);

        assertEquals(6, m.rows());
        assertEquals(4.0 / 6, m.accuracy(), 1e-15);
        assertPerLabel(m.perLabel().get(0), "a", 1, 2.0 / 3, 0.8, 3);
        assertPerLabel(m.perLabel().get(1), "b", 0.5, 0.5, 0.5, 2);
        assertPerLabel(m.perLabel().get(2), "c", 0.5, 1, 2.0 / 3, 1);
        assertEquals((0.8 + 0.5 + 2.0 / 3) / 3, m.macroF1(), 1e-15);
        assertArrayEquals(new int[] {2, 1, 0, 0}, m.confusion()[0]);
        assertArrayEquals(new int[] {0, 1, 1, 0}, m.confusion()[1]);
        assertArrayEquals(new int[] {0, 0, 1, 0}, m.confusion()[2]);
        assertEquals(List.of("a", "b", "c", ClassificationMetrics.OTHER), m.columns());
    }

    /** A label of the set that no row has and nothing predicts: precision, recall and F1 0, and it still counts in the macro mean. */
    @Test
    void aLabelWithoutRowsScoresZeroAndCountsInTheMacroMean() {
        LabelSet labels = new LabelSet(List.of("a", "b", "c", "d"));
        List<RowOutcome> rows = List.of(predicted(0, "a", "a"), predicted(1, "a", "b"), predicted(2, "b", "b"),
                predicted(3, "c", "c"));

        ClassificationMetrics m = ClassificationMetrics.of(labels, EvalMode.GENERATE, rows);

        assertPerLabel(m.perLabel().get(3), "d", 0, 0, 0, 0);
        // a: P 1 R 0.5 F1 2/3; b: P 0.5 R 1 F1 2/3; c: 1 1 1; d: 0
        assertEquals((2.0 / 3 + 2.0 / 3 + 1 + 0) / 4, m.macroF1(), 1e-15);
        assertEquals(0.75, m.accuracy());
    }

    /** Generated answers that are none of the labels land in (other): a miss for the row's label, no one's false positive. */
    @Test
    void answersOutsideTheLabelSetGoToTheOtherColumn() {
        List<RowOutcome> rows = List.of(predicted(0, "a", "a"), predicted(1, "a", "maybe"), predicted(2, "b", ""),
                predicted(3, "b", "b"));

        ClassificationMetrics m = ClassificationMetrics.of(new LabelSet(List.of("a", "b")), EvalMode.GENERATE, rows);

        assertArrayEquals(new int[] {1, 0, 1}, m.confusion()[0]);
        assertArrayEquals(new int[] {0, 1, 1}, m.confusion()[1]);
        assertEquals(0.5, m.accuracy());
        assertPerLabel(m.perLabel().get(0), "a", 1, 0.5, 2.0 / 3, 2);
        assertTrue(Double.isNaN(m.ece()) && Double.isNaN(m.meanTrueLabelLogProbability()), "no scores in generate mode");
        assertTrue(m.calibration().isEmpty());
    }

    /**
     * Confidences 0.95 (right), 0.95 (wrong), 0.55 (right), 0.65 (right): bins (0.9, 1] |0.5 - 0.95| x 2/4,
     * (0.5, 0.6] |1 - 0.55| x 1/4, (0.6, 0.7] |1 - 0.65| x 1/4; ECE 0.425.
     */
    @Test
    void expectedCalibrationErrorWeighsEachBinsGapByItsRows() {
        LabelSet labels = new LabelSet(List.of("x", "y"));
        List<RowOutcome> rows = List.of(scored(0, labels, "x", 0.95, 0.05), scored(1, labels, "y", 0.95, 0.05),
                scored(2, labels, "y", 0.45, 0.55), scored(3, labels, "x", 0.65, 0.35));

        ClassificationMetrics m = ClassificationMetrics.of(labels, EvalMode.SCORE, rows);

        assertEquals(0.425, m.ece(), 1e-12);
        assertEquals(0.75, m.accuracy());
        assertEquals((Math.log(0.95) + Math.log(0.05) + Math.log(0.55) + Math.log(0.65)) / 4, m.meanTrueLabelLogProbability(),
                1e-15, "the mean of each row's true label score");
        assertEquals(10, m.calibration().size());
        ClassificationMetrics.CalibrationBin top = m.calibration().get(9);
        assertEquals(2, top.rows());
        assertEquals(0.5, top.accuracy());
        assertEquals(0.95, top.confidence(), 1e-15);
        assertEquals(0, m.calibration().get(0).rows());
    }

    /** A confidence on an edge belongs to the bin it closes, as numpy's (lower, upper] bins with linspace's edges put it. */
    @Test
    void aConfidenceOnABinEdgeGoesToTheBinBelow() {
        LabelSet labels = new LabelSet(List.of("x", "y"));
        RowOutcome edge = new RowOutcome(0, "t", "x", "x", new double[] {Math.log(0.6), Math.log(0.4)}, new double[] {0.6, 0.4}, null);
        RowOutcome top = new RowOutcome(1, "t", "x", "x", new double[] {0, Double.NEGATIVE_INFINITY}, new double[] {1.0, 0.0}, null);

        ClassificationMetrics m = ClassificationMetrics.of(labels, EvalMode.SCORE, List.of(edge, top));

        assertEquals(1, m.calibration().get(5).rows(), "0.6 is in (0.5, 0.6]");
        assertEquals(1, m.calibration().get(9).rows(), "1.0 is in (0.9, 1.0]");
        assertEquals((0.4 + 0.0) / 2, m.ece(), 1e-15);
    }

    @Test
    void skippedRowsCountNowhere() {
        EvalRow row = new EvalRow(1, "t", "");
        List<RowOutcome> rows = List.of(predicted(0, "a", "a"), RowOutcome.skipped(row, "the row's label is empty"));

        ClassificationMetrics m = ClassificationMetrics.of(ABC, EvalMode.GENERATE, rows);

        assertEquals(1, m.rows());
        assertEquals(1.0, m.accuracy());
        ClassificationMetrics none = ClassificationMetrics.of(ABC, EvalMode.SCORE, List.of(RowOutcome.skipped(row, "x")));
        assertTrue(Double.isNaN(none.accuracy()) && Double.isNaN(none.macroF1()) && Double.isNaN(none.ece()));
    }

    @Test
    void aRowWhoseLabelIsOutsideTheSetIsAnError() {
        assertThrows(IllegalArgumentException.class,
                () -> ClassificationMetrics.of(ABC, EvalMode.SCORE, List.of(predicted(0, "z", "a"))));
    }

    private static void assertPerLabel(ClassificationMetrics.PerLabel p, String label, double precision, double recall,
                                       double f1, int support) {
        assertEquals(label, p.label());
        assertEquals(precision, p.precision(), 1e-15, label + " precision");
        assertEquals(recall, p.recall(), 1e-15, label + " recall");
        assertEquals(f1, p.f1(), 1e-15, label + " f1");
        assertEquals(support, p.support(), label + " support");
    }
}
