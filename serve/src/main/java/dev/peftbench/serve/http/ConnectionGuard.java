package dev.peftbench.serve.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.serve.ServeException;
import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.DataReader;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.spi.ServerConnection;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;

/**
 * One REST connection's bytes on their way from the socket to the HTTP parser, and the deadlines that
 * bound them. A new connection's first request must arrive within the header timeout; between
 * requests the connection waits at most the idle timeout for a first byte, and from there the whole head
 * must arrive within the header timeout, and the body within the idle timeout
 * after the head (the {@link HttpConnections} watchdog closes a connection past its deadline). The head
 * is handed on whole ({@link RequestHead}), then, as the parser asks for it, the body and no byte past
 * its end ({@link BodyFraming}): what follows waits until the answer went out, and a body no route
 * read is skipped, never parsed as a request. Once it did, a connection whose
 * request or answer said {@code Connection: close} (and every HTTP/1.0 one) ends instead of reading
 * another request, so a request pipelined behind such a one is never answered; a chunked body whose
 * framing breaks is refused with one 400, and the connection ends with it.
 */
final class ConnectionGuard {

    private enum Phase { AWAIT, HEAD, REQUEST, RESPONDED, LINGER }

    /**
     * How long a connection that answered before reading its request's body reads on (and discards)
     * before it closes, so that the client, still sending, is not reset before it read the answer.
     */
    private static final long LINGER_NANOS = 2_000_000_000L;

    /** More than any head the parser takes (prologue 2 KiB + headers 16 KiB): handed on for it to refuse. */
    private static final int MAX_HEAD = 32 * 1024;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final DataReader socket;
    private final ConnectionContext ctx;
    private final HttpLimits limits;
    private final ByteArrayOutputStream head = new ByteArrayOutputStream();
    private volatile Phase phase = Phase.AWAIT;
    private volatile long deadlineNanos;
    private volatile boolean closeAfterAnswer;
    /** Where the current request's body ends; what came after it waits in {@link #pending}. */
    private BodyFraming body = BodyFraming.length(0);
    /** Why the current request's body cannot be read (a broken chunked framing); null while it can. */
    private volatile String malformed;
    /** A body read is waiting on the socket (not the route computing its answer). */
    private volatile boolean readingBody;
    private volatile ServerConnection connection;
    /** Reads on while a route computes its answer, to see the client hang up; null when none does. */
    private Thread hangUpWatch;
    /** What that read got: the start of the client's next request, handed to the parser next. */
    private volatile byte[] readAhead;
    /** Bytes already read that the next {@link #pull()} returns. */
    private volatile byte[] pending;
    private volatile boolean clientGone;

    ConnectionGuard(ConnectionContext ctx, HttpLimits limits) {
        this.ctx = ctx;
        this.socket = ctx.dataReader();
        this.limits = limits;
        // a new connection gets the header timeout for its first request, not the idle wait between requests
        this.deadlineNanos = System.nanoTime() + limits.headerTimeout().toNanos();
    }

    void attach(ServerConnection c) {
        this.connection = c;
    }

    /**
     * From now on, until the answer went out, a read tells whether the client hung up (the route has
     * read the whole request). An HTTP/1.1 client sends nothing more before the answer, unless it
     * pipelines its next request: those bytes are kept for the parser.
     */
    synchronized void watchForHangUp() {
        if (phase != Phase.REQUEST || hangUpWatch != null) {
            return;
        }
        hangUpWatch = Thread.ofVirtual().name("peftbench-hang-up-watch").start(() -> {
            try {
                readAhead = pull();
            } catch (RuntimeException closedOrReset) {
                clientGone = true;
            }
        });
    }

    /** True once the client closed its side while its request was being answered. */
    boolean clientGone() {
        return clientGone;
    }

    /**
     * The parser's supplier of bytes: a request's head, then its body and nothing past it, so that a
     * request that follows on the connection is parsed only once the answer went out, and never when
     * the connection is to close.
     */
    byte[] next() {
        if (phase == Phase.RESPONDED && !closeAfterAnswer && !body.complete() && malformed == null) {
            // answered before its body was read, and kept open: the parser reads the rest of the body now
            return bodyBytes();
        }
        if (phase == Phase.RESPONDED) {
            if (closeAfterAnswer) {
                lingerIfBodyUnread();
                throw new CloseConnectionException("the answer went out and the connection was to close");
            }
            phase = Phase.AWAIT;
            deadlineNanos = System.nanoTime() + limits.idleTimeout().toNanos();
        }
        byte[] ahead = takeReadAhead();
        if (ahead != null) {
            pending = ahead;
        }
        if (phase == Phase.REQUEST) {
            return bodyBytes();
        }
        while (true) {
            byte[] bytes = pull();
            if (phase == Phase.AWAIT) {
                phase = Phase.HEAD;
                deadlineNanos = System.nanoTime() + limits.headerTimeout().toNanos();
            }
            int from = Math.max(0, head.size() - 3);
            head.writeBytes(bytes);
            byte[] all = head.toByteArray();
            int end = headEnd(all, from);
            if (end < 0 && all.length <= MAX_HEAD) {
                continue;
            }
            head.reset();
            phase = Phase.REQUEST;
            // the body, if any, gets as long as an idle connection waits
            deadlineNanos = System.nanoTime() + limits.idleTimeout().toNanos();
            if (end < 0) {
                return all;
            }
            return handOn(all, end);
        }
    }

    private byte[] handOn(byte[] all, int end) {
        byte[] headBytes = Arrays.copyOf(all, end);
        RequestHead request = RequestHead.parse(headBytes);
        if (request.refusal() != null) {
            refuse(request.refusal());
        }
        closeAfterAnswer |= request.closeRequested();
        body = request.framing();
        malformed = null;
        // the head alone: the body goes to the parser only when it asks for it, so that bytes of a body no
        // route read are never parsed as the next request after the answer
        if (end < all.length) {
            pending = Arrays.copyOfRange(all, end, all.length);
        }
        return request.bytes();
    }

    /** The next piece of the current request's body, read off the socket (or left over from its head's read). */
    private byte[] bodyBytes() {
        if (malformed != null) {
            throw ServeException.badRequest(malformed);
        }
        if (body.complete()) {
            throw new CloseConnectionException("the parser read past the request's body");
        }
        readingBody = true;
        try {
            byte[] bytes = pull();
            ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length);
            frame(bytes, out);
            if (out.size() == 0 && malformed != null) {
                throw ServeException.badRequest(malformed);
            }
            return out.toByteArray();
        } finally {
            readingBody = false;
        }
    }

    /** Adds the body's part of {@code bytes} to {@code out}; what follows the body waits in {@link #pending} for the next request. */
    private void frame(byte[] bytes, ByteArrayOutputStream out) {
        try {
            int end = body.take(bytes, out);
            if (end < bytes.length) {
                pending = Arrays.copyOfRange(bytes, end, bytes.length);
            }
        } catch (BodyFraming.Malformed e) {
            // nothing after a broken framing can be told apart: the connection ends with the answer
            malformed = e.getMessage();
            closeAfterAnswer = true;
        }
    }

    /** Reads and discards what the client still sends of an unread body, for a short while at most. */
    private void lingerIfBodyUnread() {
        if (body.complete() || malformed != null) {
            return;
        }
        deadlineNanos = System.nanoTime() + LINGER_NANOS;
        phase = Phase.LINGER;
        try {
            while (true) {
                pull();
            }
        } catch (RuntimeException endOrDeadline) {
            // the client closed, or the watchdog did
        }
    }

    /** A request line the parser would get wrong: answered here, with the reason, and the connection ends. */
    private void refuse(RequestHead.Refusal refusal) {
        byte[] bodyBytes;
        try {
            bodyBytes = JSON.writeValueAsBytes(Map.of("error", refusal.reason()));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
        String answer = "HTTP/1.1 " + refusal.status() + " " + Status.create(refusal.status()).reasonPhrase() + "\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + bodyBytes.length + "\r\nConnection: close\r\n\r\n";
        BufferData data = BufferData.growing(answer.length() + bodyBytes.length);
        data.write(answer.getBytes(StandardCharsets.US_ASCII));
        data.write(bodyBytes);
        ctx.dataWriter().writeNow(data);
        throw new CloseConnectionException("request line refused: " + refusal.status());
    }

    /** Index just past the blank line ending the head (CRLF CRLF, or bare LF LF, which the parser refuses), or -1. */
    private static int headEnd(byte[] b, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] != '\n') {
                continue;
            }
            if (i + 1 < b.length && b[i + 1] == '\n') {
                return i + 2;
            }
            if (i + 2 < b.length && b[i + 1] == '\r' && b[i + 2] == '\n') {
                return i + 3;
            }
        }
        return -1;
    }

    /**
     * Waits for the hang-up watch (it reads what the parser would: the next request, or the end); its
     * bytes, if it got any. The deadlines apply meanwhile: the watchdog interrupts the wait.
     */
    private byte[] takeReadAhead() {
        Thread watch;
        synchronized (this) {
            watch = hangUpWatch;
        }
        if (watch == null) {
            return null;
        }
        try {
            watch.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CloseConnectionException("closed while waiting for the next request");
        }
        synchronized (this) {
            hangUpWatch = null;
        }
        if (clientGone) {
            throw new CloseConnectionException("the client hung up");
        }
        byte[] bytes = readAhead;
        readAhead = null;
        return bytes;
    }

    private byte[] pull() {
        byte[] p = pending;
        if (p != null) {
            pending = null;
            return p;
        }
        socket.ensureAvailable();
        return socket.readBytes(socket.available());
    }

    /** The answer's status line went out: the next read starts another request (or ends the connection). */
    void answered(boolean close) {
        closeAfterAnswer |= close;
        phase = Phase.RESPONDED;
    }

    /** True when waiting for a request, its head or its body past the deadline. */
    boolean overdue(long now) {
        Phase p = phase;
        return (p == Phase.AWAIT || p == Phase.HEAD || p == Phase.LINGER || (p == Phase.REQUEST && readingBody))
                && now - deadlineNanos > 0;
    }

    void close() {
        ServerConnection c = connection;
        if (c != null) {
            c.close(true);
        }
    }
}
