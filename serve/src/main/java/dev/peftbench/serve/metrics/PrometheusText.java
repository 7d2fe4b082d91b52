package dev.peftbench.serve.metrics;

/** Small pieces of the Prometheus text format shared by the metric kinds. */
final class PrometheusText {

    private PrometheusText() {
    }

    static String braces(String labels) {
        return labels.isEmpty() ? "" : "{" + labels + "}";
    }

    static String number(double v) {
        if (v == Math.rint(v) && !Double.isInfinite(v)) {
            return Long.toString((long) v);
        }
        return Double.toString(v);
    }

    /** Escapes a label value as the format requires (backslash, quote, newline). */
    static String escape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
