package dev.peftbench.ui.serve;

import java.time.LocalTime;

/** One row of the Serve page's live request log: a generation the server ran on the shared engine. */
public record ServedRequest(LocalTime time, String model, double latencyMs, String status, int generatedTokens) {
}
