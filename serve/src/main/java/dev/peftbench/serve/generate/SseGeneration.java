package dev.peftbench.serve.generate;

import dev.peftbench.engine.GenerationResult;
import dev.peftbench.serve.Failure;
import dev.peftbench.serve.ServeException;
import dev.peftbench.serve.TextGeneration;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import dev.peftbench.serve.http.HttpConnections;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams one generation as Server-Sent Events, one event per token (triton_extension_generate.md,
 * "generate_stream"). A client that disconnects makes the next write fail, which cancels generation;
 * the request timeout cancels it too.
 */
public final class SseGeneration {

    private static final Logger LOG = LoggerFactory.getLogger(SseGeneration.class);
    private static final long POLL_MILLIS = 20;

    private SseGeneration() {
    }

    /**
     * Refuses a stream over HTTP/1.0, which has no chunked transfer coding to carry it (RFC 9112
     * section 7.1 may not be used with a 1.0 client); checked before generation starts.
     */
    public static void requireHttp11(ServerRequest req) {
        if (HttpConnections.cameAsHttp10(req)) {
            throw new ServeException(Failure.HTTP_VERSION_NOT_SUPPORTED,
                    "streamed answers need HTTP/1.1 (chunked transfer coding); this request came as HTTP/1.0");
        }
    }

    /** Writes the stream; {@code stream} is closed (and cancelled if still running) on return. */
    public static void run(ServerResponse res, TextGeneration.Stream stream, TokenStream tokens,
                           StreamEvents events, Duration timeout) {
        try (stream) {
            res.status(Status.OK_200);
            res.header(HeaderNames.CONTENT_TYPE, SseWriter.CONTENT_TYPE);
            res.header(HeaderNames.CACHE_CONTROL, "no-cache");
            try (OutputStream os = res.outputStream()) {
                SseWriter sse = new SseWriter(os);
                try {
                    if (events.start() != null) {
                        sse.event(events.start());
                    }
                    forward(stream, tokens, events, sse, System.nanoTime() + timeout.toNanos());
                    GenerationResult result = stream.await();
                    sse.event(events.done(result));
                    String summary = events.summary(result);
                    if (summary != null) {
                        sse.event(summary);
                    }
                    if (events.terminator() != null) {
                        sse.event(events.terminator());
                    }
                } catch (ServeException e) {
                    sse.event(events.error(e.getMessage()));
                }
            }
        } catch (IOException | UncheckedIOException e) {
            LOG.debug("stream client went away, generation cancelled: {}", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void send(SseWriter sse, String event) throws IOException {
        if (event != null) {
            sse.event(event);
        }
    }

    private static void forward(TextGeneration.Stream stream, TokenStream tokens, StreamEvents events, SseWriter sse,
                                long deadlineNanos) throws IOException, InterruptedException {
        while (true) {
            // checked on every turn: a stream whose tokens keep coming ends at the timeout too
            if (System.nanoTime() - deadlineNanos > 0 && !stream.result().isDone()) {
                throw new ServeException(Failure.TIMEOUT, "the request timed out; generation was cancelled");
            }
            StreamedToken token = tokens.poll(POLL_MILLIS);
            if (token != null) {
                send(sse, events.token(token));
            } else if (stream.result().isDone()) {
                // tokens are handed over before the result completes: drain what is left
                for (StreamedToken t = tokens.next(); t != null; t = tokens.next()) {
                    send(sse, events.token(t));
                }
                return;
            }
        }
    }
}
