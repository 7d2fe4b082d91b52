package dev.peftbench.serve.metrics;

import java.util.function.DoubleSupplier;

/** A gauge read when scraped (queue depth, loaded models): nothing to keep in sync. */
public record Gauge(String name, String help, DoubleSupplier value) implements Metric {
    @Override
    public void writeTo(StringBuilder out) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(" gauge\n");
        out.append(name).append(' ').append(PrometheusText.number(value.getAsDouble())).append('\n');
    }
}
