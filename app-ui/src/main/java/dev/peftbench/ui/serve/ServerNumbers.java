package dev.peftbench.ui.serve;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The metrics that matter on the Serve page, read from the server's own {@code /metrics} text so the
 * page shows what a Prometheus scrape would.
 */
public record ServerNumbers(long requests, long errors, double meanLatencyMs, double meanTimeToFirstTokenMs,
                            long generatedTokens, long queueDepth, long loadedModels) {

    /** Sums each metric over its labels; comment lines and unknown metrics are skipped. */
    public static ServerNumbers parse(String prometheusText) {
        Map<String, Double> totals = new HashMap<>();
        for (String line : prometheusText.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int space = line.lastIndexOf(' ');
            int brace = line.indexOf('{');
            String name = line.substring(0, brace > 0 && brace < space ? brace : space).trim();
            try {
                totals.merge(name, Double.parseDouble(line.substring(space + 1).trim()), Double::sum);
            } catch (NumberFormatException e) {
                // A value we cannot read (NaN forms aside) is not worth failing the page over.
            }
        }
        return new ServerNumbers(
                count(totals, "peftbench_requests_total"),
                count(totals, "peftbench_request_errors_total"),
                mean(totals, "peftbench_request_duration_seconds"),
                mean(totals, "peftbench_time_to_first_token_seconds"),
                count(totals, "peftbench_generated_tokens_total"),
                count(totals, "peftbench_queue_depth"),
                count(totals, "peftbench_loaded_models"));
    }

    private static long count(Map<String, Double> totals, String name) {
        return Math.round(totals.getOrDefault(name, 0.0));
    }

    private static double mean(Map<String, Double> totals, String histogram) {
        double n = totals.getOrDefault(histogram + "_count", 0.0);
        return n == 0 ? 0 : totals.getOrDefault(histogram + "_sum", 0.0) / n * 1000;
    }

    public String describe() {
        return String.format(Locale.ROOT,
                "requests %d · errors %d · mean latency %.1f ms · mean first token %.1f ms · tokens %d · queue %d · models ready %d",
                requests, errors, meanLatencyMs, meanTimeToFirstTokenMs, generatedTokens, queueDepth, loadedModels);
    }
}
