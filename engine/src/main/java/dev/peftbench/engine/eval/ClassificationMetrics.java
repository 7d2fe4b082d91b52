package dev.peftbench.engine.eval;

import java.util.ArrayList;
import java.util.List;

/**
 * What an evaluation's rows add up to, the one place every surface (eval, tune, the server, the workbench) computes it.
 * Definitions are scikit-learn's with {@code labels=} the label set and {@code zero_division=0}:
 * <ul>
 *   <li>accuracy: correct rows / evaluated rows ({@code accuracy_score});</li>
 *   <li>per label: precision tp / (tp + fp), recall tp / (tp + fn), F1 2tp / (2tp + fp + fn), each 0 where its
 *       denominator is; support = rows with that true label ({@code precision_recall_fscore_support});</li>
 *   <li>macro F1: the unweighted mean of the labels' F1 over the whole label set (a label no row has counts, with F1 0);</li>
 *   <li>confusion matrix: rows the true labels, columns the predicted ones, both in label order; in generate mode one
 *       more column, {@value #OTHER}, for answers that are none of the labels;</li>
 *   <li>mean true-label log-probability (score mode): the mean over rows of the true label's score, log P(target |
 *       context);</li>
 *   <li>expected calibration error (score mode): confidence = the highest probability among the labels, rows binned by
 *       it into (0, 0.1], (0.1, 0.2], ..., (0.9, 1.0] (edges {@code i * 0.1} as {@code numpy.linspace(0, 1, 11)}
 *       computes them), ECE = the sum over bins of |accuracy - mean confidence| x rows in the bin / rows.</li>
 * </ul>
 * Rows skipped are not counted. With no row evaluated, the ratios are NaN.
 *
 * @param columns                 the confusion matrix's columns: the labels, then {@value #OTHER} in generate mode
 * @param rows                    rows evaluated
 * @param meanTrueLabelLogProbability NaN in generate mode
 * @param ece                     NaN in generate mode
 * @param calibration             the 10 bins (score mode; empty in generate mode), for a reliability diagram
 */
public record ClassificationMetrics(List<String> labels, List<String> columns, int rows, int correct, double accuracy,
                                    double macroF1, List<PerLabel> perLabel, int[][] confusion,
                                    double meanTrueLabelLogProbability, double ece, List<CalibrationBin> calibration) {

    /** The confusion matrix's column for generated answers that are none of the labels. */
    public static final String OTHER = "(other)";
    /** Calibration bins. */
    public static final int BINS = 10;

    /** One label's precision, recall, F1 and support. */
    public record PerLabel(String label, double precision, double recall, double f1, int support) {
    }

    /**
     * One calibration bin, {@code (lower, upper]}: its rows, their accuracy and mean confidence (NaN when empty).
     */
    public record CalibrationBin(double lower, double upper, int rows, double accuracy, double confidence) {
    }

    public ClassificationMetrics {
        labels = List.copyOf(labels);
        columns = List.copyOf(columns);
        perLabel = List.copyOf(perLabel);
        confusion = deepCopy(confusion);
        calibration = List.copyOf(calibration);
    }

    @Override
    public int[][] confusion() {
        return deepCopy(confusion);
    }

    /**
     * The metrics of {@code outcomes} over {@code labels}. Every evaluated row's label must be in the set (rows whose
     * label is not are skipped before); in score mode every evaluated row has scores.
     */
    public static ClassificationMetrics of(LabelSet labels, EvalMode mode, List<RowOutcome> outcomes) {
        int k = labels.size();
        List<String> columns = new ArrayList<>(labels.labels());
        if (mode == EvalMode.GENERATE) {
            columns.add(OTHER);
        }
        int[][] confusion = new int[k][columns.size()];
        int rows = 0;
        int correct = 0;
        double trueLogProbability = 0;
        List<RowOutcome> evaluated = new ArrayList<>();
        for (RowOutcome o : outcomes) {
            if (!o.evaluated()) {
                continue;
            }
            int truth = labels.indexOf(o.label());
            if (truth < 0) {
                throw new IllegalArgumentException("row " + o.row() + "'s label '" + o.label() + "' is not in the label set");
            }
            int predicted = labels.indexOf(o.predicted());
            if (predicted < 0) {
                if (mode != EvalMode.GENERATE) {
                    throw new IllegalArgumentException("row " + o.row() + " predicts '" + o.predicted() + "', not a label");
                }
                predicted = k;
            }
            confusion[truth][predicted]++;
            rows++;
            if (predicted == truth) {
                correct++;
            }
            if (mode == EvalMode.SCORE) {
                trueLogProbability += o.logProbabilities()[truth];
                evaluated.add(o);
            }
        }
        List<PerLabel> perLabel = new ArrayList<>(k);
        double f1Sum = 0;
        for (int i = 0; i < k; i++) {
            int tp = confusion[i][i];
            int support = 0;
            for (int c = 0; c < columns.size(); c++) {
                support += confusion[i][c];
            }
            int predictedAs = 0;
            for (int t = 0; t < k; t++) {
                predictedAs += confusion[t][i];
            }
            int fp = predictedAs - tp;
            int fn = support - tp;
            double f1 = ratio(2.0 * tp, 2.0 * tp + fp + fn);
            perLabel.add(new PerLabel(labels.labels().get(i), ratio(tp, predictedAs), ratio(tp, support), f1, support));
            f1Sum += f1;
        }
        boolean scored = mode == EvalMode.SCORE;
        List<CalibrationBin> calibration = scored ? calibration(evaluated) : List.of();
        double ece = Double.NaN;
        if (scored && rows > 0) {
            ece = 0;
            for (CalibrationBin b : calibration) {
                if (b.rows() > 0) {
                    ece += Math.abs(b.accuracy() - b.confidence()) * b.rows() / rows;
                }
            }
        }
        return new ClassificationMetrics(labels.labels(), columns, rows, correct, rows == 0 ? Double.NaN : (double) correct / rows,
                rows == 0 ? Double.NaN : f1Sum / k, perLabel, confusion,
                scored && rows > 0 ? trueLogProbability / rows : Double.NaN, ece, calibration);
    }

    /** The 10 bins (i/10, (i+1)/10] of the rows' confidences. */
    private static List<CalibrationBin> calibration(List<RowOutcome> rows) {
        double[] edges = new double[BINS + 1];
        for (int i = 0; i < BINS; i++) {
            edges[i] = i * (1.0 / BINS);
        }
        edges[BINS] = 1.0;
        int[] count = new int[BINS];
        int[] correct = new int[BINS];
        double[] confidence = new double[BINS];
        for (RowOutcome o : rows) {
            double c = o.confidence();
            for (int b = 0; b < BINS; b++) {
                if (c > edges[b] && c <= edges[b + 1]) {
                    count[b]++;
                    confidence[b] += c;
                    if (o.correct()) {
                        correct[b]++;
                    }
                    break;
                }
            }
        }
        List<CalibrationBin> bins = new ArrayList<>(BINS);
        for (int b = 0; b < BINS; b++) {
            bins.add(new CalibrationBin(edges[b], edges[b + 1], count[b],
                    count[b] == 0 ? Double.NaN : (double) correct[b] / count[b],
                    count[b] == 0 ? Double.NaN : confidence[b] / count[b]));
        }
        return bins;
    }

    private static double ratio(double numerator, double denominator) {
        return denominator == 0 ? 0 : numerator / denominator;
    }

    private static int[][] deepCopy(int[][] m) {
        int[][] copy = new int[m.length][];
        for (int i = 0; i < m.length; i++) {
            copy[i] = m[i].clone();
        }
        return copy;
    }
}
