package dev.peftbench.ui.evaluate;

import dev.peftbench.engine.eval.ClassificationMetrics;
import dev.peftbench.engine.eval.EvalMode;
import dev.peftbench.engine.eval.EvalReport;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * The Evaluate page's metrics, one column per adapter side by side: accuracy, macro F1, mean true-label
 * log-probability, ECE, rows, then each label's precision / recall / F1 / support — the figures
 * {@link ClassificationMetrics} computed, as eval's text output prints them (4 decimals, n/a where absent).
 *
 * @param adapters the column headers, in run order
 * @param rows     one line per figure
 */
public record MetricsTable(List<String> adapters, List<Line> rows) {

    /** One figure across the adapters. */
    public record Line(String metric, List<String> values) {
    }

    public static MetricsTable of(List<EvalReport> reports) {
        List<String> adapters = reports.stream().map(MetricsTable::adapterName).toList();
        List<Line> lines = new ArrayList<>();
        lines.add(line("accuracy", reports, r -> figure(r.metrics().accuracy())));
        lines.add(line("macro F1", reports, r -> figure(r.metrics().macroF1())));
        lines.add(line("mean true-label log-prob", reports, r -> figure(r.metrics().meanTrueLabelLogProbability())));
        lines.add(line("ECE", reports, r -> figure(r.metrics().ece())));
        lines.add(line("rows evaluated / skipped", reports, r -> r.metrics().rows() + " / " + r.skipped().size()
                + (r.cancelled() ? "  (partial: " + r.rows().size() + " of " + r.total() + ")" : "")));
        if (!reports.isEmpty()) {
            List<String> labels = reports.getFirst().metrics().labels();
            for (int k = 0; k < labels.size(); k++) {
                int at = k;
                lines.add(line(labels.get(k) + ": P / R / F1 / support", reports, r -> {
                    ClassificationMetrics.PerLabel p = r.metrics().perLabel().get(at);
                    return figure(p.precision()) + " / " + figure(p.recall()) + " / " + figure(p.f1()) + " / " + p.support();
                }));
            }
        }
        return new MetricsTable(adapters, lines);
    }

    private static Line line(String metric, List<EvalReport> reports, Function<EvalReport, String> value) {
        return new Line(metric, reports.stream().map(value).toList());
    }

    /** The adapter, short: its folder's name or its Hub id, or "base model (none)"; the mode when it is generate. */
    public static String adapterName(EvalReport r) {
        return (r.adapter() == null ? EvalTarget.BASE.shortName() : new EvalTarget(r.adapter()).shortName())
                + (r.mode() == EvalMode.GENERATE ? " (generate)" : "");
    }

    /** As eval prints a figure: 4 decimals, n/a when absent (NaN). */
    public static String figure(double value) {
        return Double.isFinite(value) ? String.format(Locale.ROOT, "%.4f", value) : "n/a";
    }
}
