package dev.peftbench.serve.openai;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.serve.Failure;
import dev.peftbench.serve.ServeException;
import dev.peftbench.serve.http.JsonBodies;

import java.io.IOException;

/**
 * What a chat completion body may hold, checked on its JSON tokens before it becomes objects, let alone
 * a rendered prompt: every message's text goes into the prompt, which holds at most
 * {@link ModelSpec#DEFAULT_MAX_PROMPT_TOKENS} tokens of at most {@link ModelSpec#MAX_BYTES_PER_TOKEN}
 * bytes, so a conversation with more messages than that (each renders to a token at least) or more text
 * than those bytes can never be answered and is refused at the cost of one pass over its bytes. The
 * rendered prompt is bounded again, by its size, before it is tokenized.
 */
final class ChatBounds implements JsonBodies.TokenCheck {

    /** The text one prompt holds at most, in bytes (a character is one byte at least). */
    static final long PROMPT_BYTES = (long) ModelSpec.DEFAULT_MAX_PROMPT_TOKENS * ModelSpec.MAX_BYTES_PER_TOKEN;
    static final int MAX_MESSAGES = ModelSpec.DEFAULT_MAX_PROMPT_TOKENS;
    /**
     * The largest chat body: the prompt's text, written with JSON escapes (a character's {@code \\uXXXX}
     * takes up to six bytes), with room for the other fields.
     */
    static final long MAX_BODY_BYTES = 16 * PROMPT_BYTES;
    static final String LIMIT = "a chat body's limit: 16 times the " + PROMPT_BYTES + " bytes of a prompt";

    @Override
    public void check(JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            // not an object: the request's own reading says what is wrong
            return;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String name = p.currentName();
            JsonToken value = p.nextToken();
            if (name.equals("messages") && value == JsonToken.START_ARRAY) {
                messages(p);
            } else {
                p.skipChildren();
            }
        }
    }

    private static void messages(JsonParser p) throws IOException {
        int count = 0;
        long total = 0;
        for (JsonToken t = p.nextToken(); t != null && t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (++count > MAX_MESSAGES) {
                throw new ServeException(Failure.TOO_LARGE, "\"messages\" holds more than " + MAX_MESSAGES
                        + " messages, more than a prompt of " + ModelSpec.DEFAULT_MAX_PROMPT_TOKENS + " tokens can hold");
            }
            long text = text(p);
            if (text > PROMPT_BYTES) {
                throw new ServeException(Failure.PROMPT_TOO_LARGE, "messages[" + (count - 1) + "] holds " + text
                        + " characters of text, more than a prompt takes (" + PROMPT_BYTES + " bytes); shorten it");
            }
            total += text;
            if (total > PROMPT_BYTES) {
                throw new ServeException(Failure.PROMPT_TOO_LARGE, "the messages hold more than " + PROMPT_BYTES
                        + " characters of text together, more than a prompt takes (" + PROMPT_BYTES + " bytes); shorten the conversation");
            }
        }
    }

    /** The characters of every string in the value at {@code p} (a message: its role and content), which it passes. */
    private static long text(JsonParser p) throws IOException {
        if (p.currentToken() == JsonToken.VALUE_STRING) {
            return p.getTextLength();
        }
        if (!p.currentToken().isStructStart()) {
            return 0;
        }
        long chars = 0;
        int depth = 1;
        while (depth > 0) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return chars;
            }
            if (t.isStructStart()) {
                depth++;
            } else if (t.isStructEnd()) {
                depth--;
            } else if (t == JsonToken.VALUE_STRING) {
                chars += p.getTextLength();
            }
        }
        return chars;
    }
}
