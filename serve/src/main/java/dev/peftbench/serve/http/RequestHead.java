package dev.peftbench.serve.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One request's head (request line and header lines, up to the blank line), as read off the socket
 * before the HTTP parser sees it. An HTTP/1.0 request is handed on as HTTP/1.1 with
 * {@code Connection: close} (RFC 9110 section 2.5: the server answers with its own version, which a
 * 1.0 client accepts) and {@link #HTTP10_MARKER}, so routes that must stream can refuse it; a request
 * method that is no token (RFC 9110 section 9.1) is found here, before the parser fails on it.
 */
final class RequestHead {

    /** Set on requests that came as HTTP/1.0; a client's own header of this name is dropped. */
    static final String HTTP10_MARKER = "X-Peftbench-Http10";
    private static final String TCHARS = "!#$%&'*+-.^_`|~";

    private final String method;
    private final boolean validMethod;
    private final boolean http10;
    private final boolean closeRequested;
    private final long contentLength;
    private final String transferCoding;
    private final byte[] rewritten;

    private RequestHead(String method, boolean validMethod, boolean http10, boolean closeRequested, long contentLength,
                        String transferCoding, byte[] rewritten) {
        this.method = method;
        this.validMethod = validMethod;
        this.http10 = http10;
        this.closeRequested = closeRequested;
        this.contentLength = contentLength;
        this.transferCoding = transferCoding;
        this.rewritten = rewritten;
    }

    /** @param head the bytes up to and including the blank line that ends the head */
    static RequestHead parse(byte[] head) {
        String text = new String(head, StandardCharsets.ISO_8859_1);
        List<String> lines = new ArrayList<>(List.of(text.split("\r?\n", -1)));
        while (!lines.isEmpty() && lines.getLast().isEmpty()) {
            lines.removeLast();
        }
        String requestLine = lines.isEmpty() ? "" : lines.getFirst();
        int space = requestLine.indexOf(' ');
        String method = space < 0 ? requestLine : requestLine.substring(0, space);
        boolean http10 = requestLine.endsWith(" HTTP/1.0");
        boolean close = http10;
        boolean host = false;
        boolean marked = false;
        long contentLength = 0;
        String transferCoding = null;
        List<String> kept = new ArrayList<>();
        kept.add(http10 ? requestLine.substring(0, requestLine.length() - "1.0".length()) + "1.1" : requestLine);
        for (String line : lines.subList(Math.min(1, lines.size()), lines.size())) {
            int colon = line.indexOf(':');
            String name = colon < 0 ? "" : line.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            if (name.equals(HTTP10_MARKER.toLowerCase(Locale.ROOT))) {
                marked = true;
                continue;
            }
            host |= name.equals("host");
            if (name.equals("content-length")) {
                contentLength = Math.max(contentLength, length(line.substring(colon + 1).trim()));
            } else if (name.equals("transfer-encoding")) {
                String[] codings = line.substring(colon + 1).split(",");
                transferCoding = codings[codings.length - 1].trim().toLowerCase(Locale.ROOT);
            }
            if (name.equals("connection")) {
                for (String token : line.substring(colon + 1).split(",")) {
                    close |= token.trim().equalsIgnoreCase("close");
                }
            }
            kept.add(line);
        }
        if (http10) {
            kept.add("Connection: close");
            kept.add(HTTP10_MARKER + ": 1");
            if (!host) {
                // HTTP/1.1 requires Host; a 1.0 client may leave it out
                kept.add("Host: localhost");
            }
        }
        byte[] out = http10 || marked
                ? (String.join("\r\n", kept) + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1)
                : head;
        return new RequestHead(method, isToken(method), http10, close, contentLength, transferCoding, out);
    }

    private static long length(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            // the parser refuses it
            return 0;
        }
    }

    private static boolean isToken(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || TCHARS.indexOf(c) >= 0)) {
                return false;
            }
        }
        return true;
    }

    String method() {
        return method;
    }

    boolean validMethod() {
        return validMethod;
    }

    boolean http10() {
        return http10;
    }

    /** HTTP/1.0, or {@code Connection: close}: the connection ends after the answer. */
    boolean closeRequested() {
        return closeRequested;
    }

    /**
     * Where the body ends (RFC 9112 section 6.3): chunked when that is the last transfer coding, by
     * Content-Length otherwise; another transfer coding, or both headers, the parser refuses before it
     * reads a body.
     */
    BodyFraming framing() {
        if (transferCoding == null) {
            return BodyFraming.length(contentLength);
        }
        return transferCoding.equals("chunked") ? BodyFraming.chunked() : BodyFraming.unbounded();
    }

    /** What the HTTP parser gets. */
    byte[] bytes() {
        return rewritten;
    }
}
