package dev.peftbench.engine;

/** Progress of a model load: a fraction in [0, 1] and what is being done. */
@FunctionalInterface
public interface LoadProgress {
    LoadProgress NONE = (fraction, message) -> { };

    void report(double fraction, String message);
}
