package dev.peftbench.serve.generate;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Server-Sent Events framing (WHATWG HTML, "Server-sent events"): each event is {@code data: <line>}
 * lines and a blank line, flushed at once so the client sees every token as it comes. JSON payloads
 * are single-line, so one {@code data:} line per event.
 */
public final class SseWriter {

    public static final String CONTENT_TYPE = "text/event-stream; charset=utf-8";
    private final OutputStream out;

    public SseWriter(OutputStream out) {
        this.out = out;
    }

    /** @throws IOException when the client went away; the caller cancels generation */
    public void event(String data) throws IOException {
        out.write(frame(data).getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    static String frame(String data) {
        StringBuilder sb = new StringBuilder(data.length() + 8);
        for (String line : data.split("\r\n|\r|\n", -1)) {
            sb.append("data: ").append(line).append('\n');
        }
        return sb.append('\n').toString();
    }
}
