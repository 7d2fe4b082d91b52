package dev.peftbench.serve.metrics;

/** One metric family that can write itself in the Prometheus text exposition format (version 0.0.4). */
public interface Metric {
    void writeTo(StringBuilder out);
}
