package dev.peftbench.ui.prompt;

import dev.peftbench.engine.chat.Conversation;
import dev.peftbench.engine.generate.PromptTemplate;
import dev.peftbench.engine.generate.SamplingParams;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;

/**
 * One finished run in the Prompt page's history: what was asked, how, and what came back.
 *
 * @param template the prompt template of a prompt run; null for a chat
 * @param chat     the conversation of a chat run (its last message is {@code input}); null for a prompt run
 */
public record RunRecord(LocalTime time, String input, PromptTemplate template, Conversation chat, SamplingParams params,
                        boolean compared, String output, RunStats stats) {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss");

    /** One line for the history list. */
    public String summary() {
        return CLOCK.format(time) + (compared ? "  [compare]  " : "  ") + (chat != null ? "[chat]  " : "") + shorten(input, 40) + "  →  "
                + shorten(output, 40) + "  (" + stats.generatedTokens() + " tok)";
    }

    private static String shorten(String s, int max) {
        String oneLine = s.replace('\n', ' ').strip();
        return oneLine.length() <= max ? oneLine : oneLine.substring(0, max - 1) + "…";
    }
}
