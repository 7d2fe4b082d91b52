package dev.peftbench.serve.http;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One request's head (request line and header lines, up to the blank line), as read off the socket
 * before the HTTP parser sees it. An HTTP/1.0 request is handed on as HTTP/1.1 with
 * {@code Connection: close} (RFC 9110 section 2.5: the server answers with its own version, which a
 * 1.0 client accepts) and {@link #HTTP10_MARKER}, so routes that must stream can refuse it; a request
 * line the parser would get wrong is found here ({@link #refusal()}), before it reads it.
 */
final class RequestHead {

    /** Set on requests that came as HTTP/1.0; a client's own header of this name is dropped. */
    static final String HTTP10_MARKER = "X-Peftbench-Http10";
    private static final String TCHARS = "!#$%&'*+-.^_`|~";

    /** The methods of RFC 9110 section 9 and PATCH (RFC 5789), spelled as they must be: method names are case-sensitive. */
    private static final Set<String> STANDARD_METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS",
            "TRACE", "PATCH");

    /** A request line refused before the parser reads it: the status and the reason for the answer's body. */
    record Refusal(int status, String reason) {
    }

    private final Refusal refusal;
    private final boolean http10;
    private final boolean closeRequested;
    private final long contentLength;
    private final String transferCoding;
    private final byte[] rewritten;

    private RequestHead(Refusal refusal, boolean http10, boolean closeRequested, long contentLength,
                        String transferCoding, byte[] rewritten) {
        this.refusal = refusal;
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
        return new RequestHead(refusal(method, requestLine), http10, close, contentLength, transferCoding, out);
    }

    private static long length(String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            // the parser refuses it
            return 0;
        }
    }

    /**
     * What the parser would get wrong: a method that is no token (it fails with a bare 500), one spelled
     * in another case (it would take {@code get} as GET; RFC 9110 section 9.1: methods are case-sensitive,
     * and an unknown one is 501 by section 15.6.2), and an encoded '/' in the path, which it decodes
     * before matching routes, so that {@code a%2Fb} would be taken as two path segments. A target with
     * %2F is refused as Tomcat and Jetty refuse it by default: no route here takes a '/' inside a name.
     */
    private static Refusal refusal(String method, String requestLine) {
        String printable = method.length() > 32 ? method.substring(0, 32) + "..." : method;
        if (!isToken(method)) {
            return new Refusal(400, "the request method '" + printable + "' is not a valid HTTP method token (RFC 9110 section 9.1)");
        }
        if (!STANDARD_METHODS.contains(method)) {
            return new Refusal(501, "the request method '" + printable + "' is not implemented by this server; method names "
                    + "are case-sensitive (RFC 9110 section 9.1): it answers GET, HEAD and POST");
        }
        String[] parts = requestLine.split(" ", -1);
        String target = parts.length > 1 ? parts[1] : "";
        int query = target.indexOf('?');
        String path = (query < 0 ? target : target.substring(0, query)).toLowerCase(Locale.ROOT);
        if (path.contains("%2f")) {
            return new Refusal(400, "the request path holds an encoded '/' (%2F), which no route of this server takes: "
                    + "model names contain no '/'");
        }
        return null;
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

    /** Why the request must be refused before it is parsed; null when it may be parsed. */
    Refusal refusal() {
        return refusal;
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
