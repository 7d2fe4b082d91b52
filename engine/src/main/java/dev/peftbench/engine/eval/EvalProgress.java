package dev.peftbench.engine.eval;

/**
 * How far a run is: rows done (evaluated or skipped) of all, and the time since it started.
 */
public record EvalProgress(int done, int total, double seconds) {

    public double fraction() {
        return total == 0 ? 1 : (double) done / total;
    }

    /** Rows done per second so far; 0 before the first. */
    public double rowsPerSecond() {
        return done == 0 || seconds <= 0 ? 0 : done / seconds;
    }

    /** Seconds left at the rate so far; NaN before the first row. */
    public double etaSeconds() {
        double rate = rowsPerSecond();
        return rate == 0 ? Double.NaN : (total - done) / rate;
    }
}
