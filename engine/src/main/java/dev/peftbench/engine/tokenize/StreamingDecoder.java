package dev.peftbench.engine.tokenize;

import java.util.Arrays;

/**
 * Turns a growing list of generated ids into text deltas for streaming, with TGI's offsets method:
 * decode a short window before and after the new id and emit the difference, holding back while the
 * window ends in an incomplete UTF-8 character (U+FFFD) or in a byte-fallback token (a later byte can
 * turn the whole run of bytes into replacement characters). {@link #flush()} emits what is still held,
 * so the deltas always add up to {@code decode(all ids)}.
 */
public final class StreamingDecoder {

    private static final char REPLACEMENT = '\uFFFD';

    private final Tokenizer tokenizer;
    private int[] ids = new int[16];
    private int size;
    private int prefixOffset;
    private int readOffset;
    private final StringBuilder text = new StringBuilder();

    public StreamingDecoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** Adds {@code id}; returns the newly printable text (maybe empty). */
    public String next(int id) {
        if (size == ids.length) {
            ids = Arrays.copyOf(ids, size * 2);
        }
        ids[size++] = id;
        if (tokenizer.isByteFallback(id)) {
            return "";
        }
        String before = decode(prefixOffset, readOffset);
        String after = decode(prefixOffset, size);
        if (after.length() > before.length() && after.charAt(after.length() - 1) != REPLACEMENT) {
            String delta = after.substring(before.length());
            prefixOffset = readOffset;
            readOffset = size;
            text.append(delta);
            return delta;
        }
        return "";
    }

    /** Whatever is still held back (an incomplete character at the end renders as U+FFFD, as decode does). */
    public String flush() {
        String before = decode(prefixOffset, readOffset);
        String after = decode(prefixOffset, size);
        String delta = after.length() > before.length() ? after.substring(before.length()) : "";
        prefixOffset = size;
        readOffset = size;
        text.append(delta);
        return delta;
    }

    /** All text emitted so far. */
    public String text() {
        return text.toString();
    }

    private String decode(int from, int to) {
        return from >= to ? "" : tokenizer.decode(Arrays.copyOfRange(ids, from, to), true);
    }
}
