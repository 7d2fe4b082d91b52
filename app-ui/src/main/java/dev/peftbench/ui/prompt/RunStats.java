package dev.peftbench.ui.prompt;

import dev.peftbench.engine.GenerationResult;

import java.util.Locale;

/** The numbers shown under the output: time to first token, decode speed, token counts, why it ended. */
public record RunStats(double timeToFirstTokenMs, double tokensPerSecond, int promptTokens, int generatedTokens,
                       double totalMs, String finishReason) {

    public static RunStats of(GenerationResult result) {
        GenerationResult.Timings t = result.timings();
        int generated = result.generatedTokenIds().size();
        return new RunStats(t.timeToFirstTokenNanos() / 1e6, t.decodeTokensPerSecond(generated),
                result.promptTokenIds().size(), generated, t.totalNanos() / 1e6, result.finishReason().wireName());
    }

    public String describe() {
        return String.format(Locale.ROOT, "first token %.1f ms · %.1f tokens/s · prompt %d tokens · generated %d tokens · total %.1f ms · %s",
                timeToFirstTokenMs, tokensPerSecond, promptTokens, generatedTokens, totalMs, finishReason);
    }
}
