package dev.peftbench.serve.metrics;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/** A Prometheus histogram in seconds, one series per label set, with cumulative {@code le} buckets. */
public final class Histogram implements Metric {

    private final String name;
    private final String help;
    private final double[] bounds;
    private final Map<String, Series> series = new ConcurrentHashMap<>();

    public Histogram(String name, String help, double... bounds) {
        this.name = name;
        this.help = help;
        this.bounds = bounds.clone();
        Arrays.sort(this.bounds);
    }

    public void observe(String labels, double value) {
        series.computeIfAbsent(labels, k -> new Series(bounds.length)).observe(bounds, value);
    }

    /** Observations over every label set. */
    public long count() {
        return series.values().stream().mapToLong(s -> s.count.sum()).sum();
    }

    /** Sum of the observed values over every label set. */
    public double sum() {
        return series.values().stream().mapToDouble(s -> s.sum.sum()).sum();
    }

    @Override
    public void writeTo(StringBuilder out) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" histogram\n");
        series.forEach((labels, s) -> {
            String sep = labels.isEmpty() ? "" : labels + ",";
            long cumulative = 0;
            for (int i = 0; i < bounds.length; i++) {
                cumulative += s.buckets[i].sum();
                out.append(name).append("_bucket{").append(sep).append("le=\"")
                        .append(PrometheusText.number(bounds[i])).append("\"} ").append(cumulative).append('\n');
            }
            out.append(name).append("_bucket{").append(sep).append("le=\"+Inf\"} ").append(s.count.sum()).append('\n');
            out.append(name).append("_sum").append(PrometheusText.braces(labels)).append(' ')
                    .append(PrometheusText.number(s.sum.sum())).append('\n');
            out.append(name).append("_count").append(PrometheusText.braces(labels)).append(' ')
                    .append(s.count.sum()).append('\n');
        });
    }

    private static final class Series {
        final LongAdder[] buckets;
        final LongAdder count = new LongAdder();
        final DoubleAdder sum = new DoubleAdder();

        Series(int n) {
            buckets = new LongAdder[n];
            Arrays.setAll(buckets, i -> new LongAdder());
        }

        void observe(double[] bounds, double value) {
            int i = Arrays.binarySearch(bounds, value);
            int bucket = i >= 0 ? i : -i - 1;
            if (bucket < buckets.length) {
                buckets[bucket].increment();
            }
            count.increment();
            sum.add(value);
        }
    }
}
