package dev.peftbench.serve;

import java.time.Instant;

/**
 * One generation the server ran, as an embedding (the workbench's request log) hears of it.
 *
 * @param status "ok (length)", "ok (eos_token)"... or the failure's kind (QUEUE_FULL, CANCELLED...)
 */
public record ServedRequest(Instant time, String model, double latencyMs, String status, int generatedTokens) {
}
