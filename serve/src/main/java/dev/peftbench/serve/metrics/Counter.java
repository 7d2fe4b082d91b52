package dev.peftbench.serve.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** A Prometheus counter with one series per label set (labels already rendered as {@code a="x",b="y"}). */
public final class Counter implements Metric {

    private final String name;
    private final String help;
    private final Map<String, LongAdder> series = new ConcurrentHashMap<>();

    public Counter(String name, String help) {
        this.name = name;
        this.help = help;
    }

    public void increment(String labels) {
        add(labels, 1);
    }

    public void add(String labels, long amount) {
        series.computeIfAbsent(labels, k -> new LongAdder()).add(amount);
    }

    /** The sum over every label set. */
    public long total() {
        return series.values().stream().mapToLong(LongAdder::sum).sum();
    }

    @Override
    public void writeTo(StringBuilder out) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" counter\n");
        if (series.isEmpty()) {
            out.append(name).append(" 0\n");
        }
        series.forEach((labels, v) -> out.append(name).append(PrometheusText.braces(labels)).append(' ')
                .append(v.sum()).append('\n'));
    }
}
