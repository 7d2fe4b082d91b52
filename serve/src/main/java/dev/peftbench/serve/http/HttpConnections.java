package dev.peftbench.serve.http;

import io.helidon.common.buffers.BufferData;
import io.helidon.common.buffers.Bytes;
import io.helidon.http.HeaderName;
import io.helidon.http.HeaderNames;
import io.helidon.http.HeaderValues;
import io.helidon.http.Headers;
import io.helidon.http.Status;
import io.helidon.webserver.ConnectionContext;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http1.Http1Config;
import io.helidon.webserver.http1.Http1ConnectionListener;
import io.helidon.webserver.http1.Http1ConnectionSelector;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.webserver.spi.ServerConnectionSelector;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.concurrent.ConcurrentHashMap;

import io.helidon.common.concurrency.limits.Limit;

/**
 * The REST port's HTTP/1 connections: HTTP/1.1 and HTTP/1.0 (which Helidon's own selector turns away),
 * each through a {@link ConnectionGuard}, and a watchdog thread that closes connections past their
 * idle or header deadline. Helidon's HTTP/1 connection does the parsing and routing; what it lacks
 * (HTTP/1.0, closing after {@code Connection: close}, a header-read timeout) is done here around it.
 */
public final class HttpConnections implements ServerConnectionSelector, AutoCloseable {

    private static final Duration SWEEP = Duration.ofMillis(200);
    private static final String HTTP_1_1 = " HTTP/1.1\r";
    private static final String HTTP_1_0 = " HTTP/1.0\r";
    private static final HeaderName HTTP10_MARKER = HeaderNames.create(RequestHead.HTTP10_MARKER);

    private final HttpLimits limits;
    private final Http1Config http1;
    private final Http1ConnectionSelector helidon;
    /** Open connections by their socket ids, as a request names its own ({@link #key}). */
    private final Map<String, ConnectionGuard> open = new ConcurrentHashMap<>();
    private final Thread watchdog;

    public HttpConnections(HttpLimits limits) {
        this.limits = limits;
        Http1ConnectionListener answers = new Http1ConnectionListener() {
            @Override
            public void status(ConnectionContext ctx, Status status) {
                // 1xx (100 Continue) is not the answer: the body comes after it
                if (status.code() >= 200 && ctx instanceof GuardedContext g) {
                    g.guard().answered(false);
                }
            }

            @Override
            public void headers(ConnectionContext ctx, Headers headers) {
                if (ctx instanceof GuardedContext g && headers.containsToken(HeaderValues.CONNECTION_CLOSE)) {
                    g.guard().answered(true);
                }
            }
        };
        this.http1 = Http1Config.builder().addSendListener(answers).build();
        this.helidon = Http1ConnectionSelector.builder().config(http1).build();
        this.watchdog = Thread.ofPlatform().name("peftbench-http-watchdog").daemon().start(this::sweep);
    }

    @Override
    public int bytesToIdentifyConnection() {
        return 0;
    }

    @Override
    public Support supports(BufferData request) {
        int lf = request.indexOf(Bytes.LF_BYTE);
        if (lf == -1) {
            // not a whole request line yet: ours (the HTTP parser answers an over-long one)
            return request.available() <= http1.maxPrologueLength() ? Support.SUPPORTED : Support.UNSUPPORTED;
        }
        String line = request.readString(lf);
        return line.endsWith(HTTP_1_1) || line.endsWith(HTTP_1_0) ? Support.SUPPORTED : Support.UNSUPPORTED;
    }

    @Override
    public Set<String> supportedApplicationProtocols() {
        return Set.of("http/1.1");
    }

    @Override
    public ServerConnection connection(ConnectionContext ctx) {
        ConnectionGuard guard = new ConnectionGuard(ctx, limits);
        ServerConnection connection = helidon.connection(new GuardedContext(ctx, guard));
        guard.attach(connection);
        String key = key(ctx.socketId(), ctx.childSocketId());
        open.put(key, guard);
        return new ServerConnection() {
            @Override
            public void handle(Limit limit) throws InterruptedException {
                try {
                    connection.handle(limit);
                } finally {
                    open.remove(key);
                }
            }

            @Override
            public Duration idleTime() {
                return connection.idleTime();
            }

            @Override
            public void close(boolean interrupt) {
                connection.close(interrupt);
            }
        };
    }

    private static String key(String socketId, String childSocketId) {
        return socketId + " " + childSocketId;
    }

    /**
     * Whether the client of {@code req} hung up while its answer is computed; the route must have
     * read the whole request. Always false for a connection this selector does not hold.
     */
    public BooleanSupplier hangUp(ServerRequest req) {
        ConnectionGuard guard = open.get(key(req.serverSocketId(), req.socketId()));
        if (guard == null) {
            return () -> false;
        }
        guard.watchForHangUp();
        return guard::clientGone;
    }

    /** True for a request that came as HTTP/1.0 (see {@link RequestHead}). */
    public static boolean cameAsHttp10(ServerRequest req) {
        return req.headers().contains(HTTP10_MARKER);
    }

    private void sweep() {
        while (!Thread.currentThread().isInterrupted()) {
            try {
                Thread.sleep(SWEEP);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            open.values().removeIf(g -> {
                if (g.overdue(now)) {
                    g.close();
                    return true;
                }
                return false;
            });
        }
    }

    @Override
    public void close() {
        watchdog.interrupt();
    }
}
