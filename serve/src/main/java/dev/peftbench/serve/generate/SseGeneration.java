package dev.peftbench.serve.generate;

import dev.peftbench.engine.GenerationResult;
import dev.peftbench.serve.Failure;
import dev.peftbench.serve.ServeException;
import dev.peftbench.serve.TextGeneration;
import io.helidon.http.HeaderNames;
import io.helidon.http.Status;
import io.helidon.webserver.CloseConnectionException;
import dev.peftbench.serve.http.HttpConnections;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.function.BooleanSupplier;


/**
 * Streams one generation as Server-Sent Events, one event per token (triton_extension_generate.md,
 * "generate_stream"). A client that disconnects cancels generation within a poll (20 ms), whether or not
 * anything is written meanwhile: its connection is watched for the hang-up ({@code clientGone}), and a
 * write that fails ends the stream too; the request timeout cancels it as well. Either way the request
 * ends as CANCELLED, which nobody reads.
 */
public final class SseGeneration {

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

    /**
     * Writes the stream; {@code stream} is closed (and cancelled if still running) on return.
     *
     * @param clientGone whether the client hung up; asked before the answer's first byte goes out
     * @throws ServeException CANCELLED when the client went away
     */
    public static void run(ServerResponse res, TextGeneration.Stream stream, TokenStream tokens,
                           StreamEvents events, Duration timeout, BooleanSupplier clientGone) {
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
                    forward(stream, tokens, events, sse, System.nanoTime() + timeout.toNanos(), clientGone);
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
                    if (e.failure() == Failure.CANCELLED) {
                        throw e;
                    }
                    sse.event(events.error(e.getMessage()));
                }
            }
        } catch (IOException | UncheckedIOException | CloseConnectionException e) {
            throw new ServeException(Failure.CANCELLED, "the stream's client went away (" + e.getMessage() + "); generation was cancelled");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ServeException(Failure.CANCELLED, "the stream was interrupted; generation was cancelled");
        }
    }

    private static void send(SseWriter sse, String event) throws IOException {
        if (event != null) {
            sse.event(event);
        }
    }

    private static void forward(TextGeneration.Stream stream, TokenStream tokens, StreamEvents events, SseWriter sse,
                                long deadlineNanos, BooleanSupplier clientGone) throws IOException, InterruptedException {
        while (true) {
            if (clientGone.getAsBoolean()) {
                throw new ServeException(Failure.CANCELLED, "the stream's client hung up; generation was cancelled");
            }
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
