package dev.peftbench.engine.eval;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * Evaluation reports as JSON, the one shape {@code eval --json}, its {@code report.json}, tune's training record and
 * the workbench's export write (issue 26): {@code {"data", "mode", "rows", "labels", "results": [{"adapter",
 * "accuracy", "macro_f1", "per_label": {label: {"precision", "recall", "f1", "support"}}, "confusion_matrix",
 * "mean_true_label_logprob", "ece", "predictions": [{"row", "label", "predicted", "label_logprobs": {label: x},
 * "probabilities": {label: p}}], ...}]}}. Generate mode leaves out the scores and probabilities (the log-probability
 * and ECE are null); a ratio without rows is null.
 */
public final class EvalReportJson {

    private static final ObjectMapper JSON = new ObjectMapper();

    private EvalReportJson() {
    }

    /**
     * @param data    the data file as the caller named it
     * @param rows    rows asked for (after any limit)
     * @param reports one per adapter, in the order asked
     */
    public static ObjectNode of(String data, EvalMode mode, int rows, LabelSet labels, List<EvalReport> reports) {
        ObjectNode root = JSON.createObjectNode();
        root.put("data", data);
        root.put("mode", mode.label());
        root.put("rows", rows);
        ArrayNode names = root.putArray("labels");
        labels.labels().forEach(names::add);
        ArrayNode results = root.putArray("results");
        reports.forEach(r -> results.add(result(r)));
        return root;
    }

    /** One adapter's result object. */
    public static ObjectNode result(EvalReport report) {
        ClassificationMetrics m = report.metrics();
        List<String> labels = report.labels().labels();
        ObjectNode r = JSON.createObjectNode();
        r.put("adapter", report.adapter());
        number(r, "accuracy", m.accuracy());
        number(r, "macro_f1", m.macroF1());
        ObjectNode perLabel = r.putObject("per_label");
        for (ClassificationMetrics.PerLabel p : m.perLabel()) {
            perLabel.putObject(p.label()).put("precision", p.precision()).put("recall", p.recall()).put("f1", p.f1())
                    .put("support", p.support());
        }
        ArrayNode confusion = r.putArray("confusion_matrix");
        for (int[] row : m.confusion()) {
            ArrayNode line = confusion.addArray();
            for (int n : row) {
                line.add(n);
            }
        }
        ArrayNode columns = r.putArray("confusion_matrix_columns");
        m.columns().forEach(columns::add);
        number(r, "mean_true_label_logprob", m.meanTrueLabelLogProbability());
        number(r, "ece", m.ece());
        r.put("rows_evaluated", m.rows());
        r.put("rows_skipped", report.skipped().size());
        if (report.endTokenId() != null) {
            r.put("end_token_id", report.endTokenId());
        }
        r.put("cancelled", report.cancelled());
        r.put("seconds", report.seconds());
        r.put("rows_per_second", report.rowsPerSecond());
        if (!m.calibration().isEmpty()) {
            ArrayNode bins = r.putArray("calibration");
            for (ClassificationMetrics.CalibrationBin b : m.calibration()) {
                ObjectNode bin = bins.addObject().put("lower", b.lower()).put("upper", b.upper()).put("rows", b.rows());
                number(bin, "accuracy", b.accuracy());
                number(bin, "confidence", b.confidence());
            }
        }
        ArrayNode predictions = r.putArray("predictions");
        ArrayNode skipped = r.putArray("skipped");
        for (RowOutcome o : report.rows()) {
            if (!o.evaluated()) {
                skipped.addObject().put("row", o.row()).put("label", o.label()).put("reason", o.skipped());
                continue;
            }
            ObjectNode p = predictions.addObject().put("row", o.row()).put("label", o.label()).put("predicted", o.predicted());
            if (o.scored()) {
                double[] logProbabilities = o.logProbabilities();
                double[] probabilities = o.probabilities();
                ObjectNode scores = p.putObject("label_logprobs");
                ObjectNode chances = p.putObject("probabilities");
                for (int k = 0; k < labels.size(); k++) {
                    number(scores, labels.get(k), logProbabilities[k]);
                    number(chances, labels.get(k), probabilities[k]);
                }
            }
        }
        return r;
    }

    /** JSON has no NaN or infinity: null stands for a value that does not exist (no rows). */
    private static void number(ObjectNode node, String key, double value) {
        if (Double.isFinite(value)) {
            node.put(key, value);
        } else {
            node.putNull(key);
        }
    }
}
