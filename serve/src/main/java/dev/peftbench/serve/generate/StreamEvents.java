package dev.peftbench.serve.generate;

import dev.peftbench.engine.GenerationResult;

/** How one protocol writes a streamed generation's events (OIP generate_stream, OpenAI completions). */
public interface StreamEvents {

    /** An event before the first token (OpenAI chat's role delta); null for none. */
    default String start() {
        return null;
    }

    /** The event for one generated token; null sends none (a token whose text is not complete yet). */
    String token(StreamedToken token);

    /** The last event, with why generation ended. */
    String done(GenerationResult result);

    /** An error after streaming began: the status is already 200, so it travels as an event. */
    String error(String message);

    /** An event between {@link #done} and the terminator (OpenAI's usage chunk); null for none. */
    default String summary(GenerationResult result) {
        return null;
    }

    /** An event after {@link #done}, e.g. OpenAI's {@code [DONE]}; null for none. */
    default String terminator() {
        return null;
    }
}
