package dev.peftbench.serve.http;

import dev.peftbench.serve.ServeException;
import dev.peftbench.serve.metrics.ServeMetrics;
import dev.peftbench.serve.Failure;
import io.helidon.http.HeaderValues;
import io.helidon.http.Method;
import io.helidon.webserver.CloseConnectionException;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wraps a route so that every answer is counted and timed under one endpoint name, and every failure
 * becomes the JSON error answer with the status of {@link dev.peftbench.serve.Failure}. A client that
 * went away (it hung up, its connection broke under a write, or its body never came) is no error: it
 * is counted as a cancel, logged in one line at DEBUG, and the connection ends without an answer,
 * since nobody would read one.
 */
public final class Endpoint implements Handler {

    private static final Logger LOG = LoggerFactory.getLogger(Endpoint.class);

    /** A route's body; it may throw anything, which becomes a JSON error. */
    @FunctionalInterface
    public interface Body {
        void handle(ServerRequest req, ServerResponse res) throws Exception;
    }

    /** How a failure is written (the server's {@code {"error": "..."}}, or another protocol's shape). */
    @FunctionalInterface
    public interface Errors {
        void write(ServerResponse res, ServeException e);
    }

    private final String name;
    private final ServeMetrics metrics;
    private final Errors errors;
    private final JsonBodies bodies;
    private final Body body;

    /** @param bodies the body reader, whose request memory the request's body gives back once answered */
    public Endpoint(String name, ServeMetrics metrics, Errors errors, JsonBodies bodies, Body body) {
        this.name = name;
        this.metrics = metrics;
        this.errors = errors;
        this.bodies = bodies;
        this.body = body;
    }

    @Override
    public void handle(ServerRequest req, ServerResponse response) {
        long start = System.nanoTime();
        ServerResponse res = req.prologue().method() == Method.HEAD ? new HeadResponse(response) : response;
        try {
            body.handle(req, res);
        } catch (Exception e) {
            ServeException se = e instanceof CloseConnectionException
                    // Helidon's: a read or write on the socket failed (ServerConnectionException), or the connection was closed
                    ? new ServeException(Failure.CANCELLED, "the connection broke: " + e.getMessage())
                    : ServeException.from(e);
            if (se.failure() == Failure.CANCELLED) {
                metrics.requestCancelled(name);
                LOG.debug("{} {}: client gone ({})", req.prologue().method().text(), req.path().path(), se.getMessage());
                throw new CloseConnectionException("the client went away");
            }
            metrics.requestFailed(name, Integer.toString(se.failure().httpStatus()));
            if (!res.isSent()) {
                closeUnlessBodyRead(req, res);
                errors.write(res, se);
            }
        } finally {
            bodies.release(req);
            metrics.requestDone(name, (System.nanoTime() - start) / 1e9);
        }
    }

    /**
     * An answer given before the request's body was read ends the connection: the body is not drained
     * (it may be large, or never come), and what follows it on the connection cannot be told apart.
     */
    public static void closeUnlessBodyRead(ServerRequest req, ServerResponse res) {
        if (req.content().hasEntity() && !req.content().consumed()) {
            res.header(HeaderValues.CONNECTION_CLOSE);
        }
    }
}
