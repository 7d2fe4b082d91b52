package dev.peftbench.engine;

import dev.peftbench.engine.hub.DownloadProgress;

/** Progress of a model load: a fraction in [0, 1] and what is being done. */
@FunctionalInterface
public interface LoadProgress {
    LoadProgress NONE = (fraction, message) -> { };

    void report(double fraction, String message);

    /**
     * A Hub id missing from the cache is being downloaded (before the load proper, whose fractions
     * then start again from 0); by default reported as the download's fraction with bytes, rate and ETA.
     */
    default void downloading(DownloadProgress progress) {
        report(progress.fraction(), "downloading " + progress.repo() + ": " + progress.describe());
    }
}
