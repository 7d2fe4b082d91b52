package dev.peftbench.engine.score;

/** Hears each row's scores as they come, in row order, on the scheduler's thread: hand work off, return quickly. */
@FunctionalInterface
public interface ScoreListener {

    ScoreListener NONE = row -> {
    };

    void onRow(RowScore row);
}
