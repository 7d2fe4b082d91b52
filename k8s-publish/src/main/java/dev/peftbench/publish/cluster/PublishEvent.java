package dev.peftbench.publish.cluster;

import java.time.Instant;

/** One step of a publish, for a progress log (CLI lines, the UI's publish page). */
public record PublishEvent(Instant time, Stage stage, String message) {

    public enum Stage { BUILD, CHECK, APPLY, WAIT, READY, FAILED, DELETE }

    public static PublishEvent of(Stage stage, String message) {
        return new PublishEvent(Instant.now(), stage, message);
    }

    @Override
    public String toString() {
        return stage.name().toLowerCase(java.util.Locale.ROOT) + ": " + message;
    }
}
