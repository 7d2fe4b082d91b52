package dev.peftbench.serve.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Where one request's body ends on its connection (RFC 9112 section 6.3), so that the HTTP parser is
 * handed that request and nothing of the next: bytes past the body wait until the answer went out,
 * and are never parsed when the connection is to close. A chunked body (section 7.1) is checked line
 * by line as it passes and handed on as the parser takes it: chunk extensions and trailer fields,
 * which the parser does not read, are dropped (section 7.1.1 lets a recipient ignore extensions and
 * 7.1.2 discard trailers). A chunk size that is no hexadecimal number, or a line that does not end in
 * CRLF, is {@link Malformed}: the request is refused whole, before the parser sees the line.
 */
final class BodyFraming {

    /** A chunk-size line (with its extensions) or a trailer line longer than this is refused. */
    static final int MAX_LINE = 4096;
    /** All trailer lines together. */
    static final int MAX_TRAILERS = 16 * 1024;
    /** The parser reads a chunk size as a Java int. */
    private static final long MAX_CHUNK = Integer.MAX_VALUE;
    private static final byte[] CRLF = {'\r', '\n'};

    /** A chunked body that breaks RFC 9112 section 7.1; the message says how. */
    static final class Malformed extends RuntimeException {
        Malformed(String message) {
            super(message, null, false, false);
        }
    }

    private enum State { SIZE, DATA, DATA_CR, DATA_LF, TRAILER, DONE }

    private final boolean chunked;
    /** LENGTH: bytes still to come. CHUNKED: bytes of the current chunk still to come. */
    private long remaining;
    private State state;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private int trailerBytes;

    private BodyFraming(boolean chunked, long length) {
        this.chunked = chunked;
        this.remaining = length;
        this.state = chunked ? State.SIZE : length > 0 ? State.DATA : State.DONE;
    }

    /** A body of {@code length} bytes (0: none). */
    static BodyFraming length(long length) {
        return new BodyFraming(false, Math.max(0, length));
    }

    static BodyFraming chunked() {
        return new BodyFraming(true, 0);
    }

    /** A framing the parser refuses before it reads a body (an unknown transfer coding): nothing is held back. */
    static BodyFraming unbounded() {
        return new BodyFraming(false, Long.MAX_VALUE);
    }

    /** The whole body went by. */
    boolean complete() {
        return state == State.DONE;
    }

    /**
     * Takes the body's part of {@code bytes}: what the parser gets of it is added to {@code out}; the
     * index after the last byte taken is returned (the rest is the next request's).
     *
     * @throws Malformed for a chunked body that breaks the framing; {@code out} holds what was valid before it
     */
    int take(byte[] bytes, ByteArrayOutputStream out) {
        int i = 0;
        while (i < bytes.length && state != State.DONE) {
            switch (state) {
                case DATA -> {
                    int n = (int) Math.min(remaining, bytes.length - i);
                    out.write(bytes, i, n);
                    i += n;
                    remaining -= n;
                    if (remaining == 0) {
                        state = chunked ? State.DATA_CR : State.DONE;
                    }
                }
                case DATA_CR -> {
                    expect(bytes[i++], '\r');
                    state = State.DATA_LF;
                }
                case DATA_LF -> {
                    expect(bytes[i++], '\n');
                    out.writeBytes(CRLF);
                    state = State.SIZE;
                }
                case SIZE, TRAILER -> {
                    byte b = bytes[i++];
                    if (b != '\n') {
                        line.write(b);
                        if (line.size() > MAX_LINE) {
                            throw new Malformed("a chunked body's line is longer than " + MAX_LINE + " bytes");
                        }
                        continue;
                    }
                    byte[] text = line.toByteArray();
                    line.reset();
                    if (text.length == 0 || text[text.length - 1] != '\r') {
                        throw new Malformed("a line of the chunked body ends in a bare LF, not CRLF (RFC 9112 section 7.1)");
                    }
                    String content = new String(text, 0, text.length - 1, StandardCharsets.ISO_8859_1);
                    if (state == State.SIZE) {
                        sizeLine(content, out);
                    } else {
                        trailerLine(content, out);
                    }
                }
                case DONE -> throw new IllegalStateException();
            }
        }
        return i;
    }

    private void sizeLine(String content, ByteArrayOutputStream out) {
        int semicolon = content.indexOf(';');
        String size = (semicolon < 0 ? content : content.substring(0, semicolon)).stripTrailing();
        if (size.isEmpty() || !size.chars().allMatch(c -> Character.digit(c, 16) >= 0)) {
            throw new Malformed("the chunk size '" + printable(size) + "' is not a hexadecimal number (RFC 9112 section 7.1)");
        }
        String digits = size.replaceFirst("^0+(?=.)", "");
        long value = digits.length() > 8 ? Long.MAX_VALUE : Long.parseLong(digits, 16);
        if (value > MAX_CHUNK) {
            throw new Malformed("the chunk size 0x" + printable(digits) + " is larger than this server reads in one chunk ("
                    + MAX_CHUNK + " bytes)");
        }
        out.writeBytes((Long.toHexString(value) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        remaining = value;
        state = value == 0 ? State.TRAILER : State.DATA;
    }

    private void trailerLine(String content, ByteArrayOutputStream out) {
        if (content.isEmpty()) {
            out.writeBytes(CRLF);
            state = State.DONE;
            return;
        }
        trailerBytes += content.length() + 2;
        if (trailerBytes > MAX_TRAILERS) {
            throw new Malformed("the chunked body's trailer fields are larger than " + MAX_TRAILERS + " bytes");
        }
    }

    private static void expect(byte got, char wanted) {
        if (got != wanted) {
            throw new Malformed("a chunk's data is not followed by CRLF: its size does not match its data (RFC 9112 section 7.1)");
        }
    }

    private static String printable(String s) {
        String cut = s.length() > 32 ? s.substring(0, 32) + "..." : s;
        StringBuilder out = new StringBuilder(cut.length());
        cut.chars().forEach(c -> out.append(c >= 0x20 && c < 0x7f ? (char) c : '?'));
        return out.toString();
    }
}
