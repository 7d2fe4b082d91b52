package dev.peftbench.serve;

import dev.peftbench.engine.EngineException;
import io.grpc.Status;

/**
 * The one mapping from what went wrong to the protocol answers (status codes as KServe's
 * {@code errors.py} and its gRPC {@code interceptors.py}).
 */
public enum Failure {
    BAD_REQUEST(400, Status.Code.INVALID_ARGUMENT),
    /** No API key, or a wrong one (answered with a Bearer challenge). */
    UNAUTHENTICATED(401, Status.Code.UNAUTHENTICATED),
    /** A load from a folder outside the allowed roots, or the repository API switched off. */
    FORBIDDEN(403, Status.Code.PERMISSION_DENIED),
    NOT_FOUND(404, Status.Code.NOT_FOUND),
    /** The model repository holds as many names as it may. */
    CONFLICT(409, Status.Code.RESOURCE_EXHAUSTED),
    /** A body or message over the configured size limit. */
    TOO_LARGE(413, Status.Code.RESOURCE_EXHAUSTED),
    /** A prompt longer than the model takes, refused by its size before it is tokenized. */
    PROMPT_TOO_LARGE(413, Status.Code.INVALID_ARGUMENT),
    /** A JSON route sent something that is not JSON. */
    UNSUPPORTED_MEDIA_TYPE(415, Status.Code.INVALID_ARGUMENT),
    /** A known path asked with a method it does not take (answered with Allow). */
    METHOD_NOT_ALLOWED(405, Status.Code.UNIMPLEMENTED),
    /** A streamed answer asked over HTTP/1.0, which cannot carry chunked transfer coding. */
    HTTP_VERSION_NOT_SUPPORTED(505, Status.Code.UNIMPLEMENTED),
    /** A model or adapter folder that cannot be loaded: the user must fix the folder. */
    LOAD_FAILED(400, Status.Code.FAILED_PRECONDITION),
    /** The engine's shared queue is full: answered at once, with Retry-After. */
    QUEUE_FULL(503, Status.Code.RESOURCE_EXHAUSTED),
    /** The requests being received hold the in-flight request bytes: answered at once, with Retry-After. */
    OVERLOADED(503, Status.Code.RESOURCE_EXHAUSTED),
    /** The model is loading, failed to load, or the server is shutting down. */
    NOT_READY(503, Status.Code.UNAVAILABLE),
    /** The per-request timeout ran out; generation was cancelled. */
    TIMEOUT(504, Status.Code.DEADLINE_EXCEEDED),
    /** The caller went away or cancelled; nobody reads the answer. */
    CANCELLED(499, Status.Code.CANCELLED),
    /** A fault of ours: logged with an id, never a stack trace in the body. */
    INTERNAL(500, Status.Code.INTERNAL);

    private final int httpStatus;
    private final Status.Code grpcCode;

    Failure(int httpStatus, Status.Code grpcCode) {
        this.httpStatus = httpStatus;
        this.grpcCode = grpcCode;
    }

    public int httpStatus() {
        return httpStatus;
    }

    public Status.Code grpcCode() {
        return grpcCode;
    }

    public static Failure of(EngineException.Kind kind) {
        return switch (kind) {
            case NOT_FOUND -> NOT_FOUND;
            case INVALID_INPUT -> BAD_REQUEST;
            case TOO_LARGE -> PROMPT_TOO_LARGE;
            case LOAD_FAILED -> LOAD_FAILED;
            case QUEUE_FULL -> QUEUE_FULL;
            case NOT_READY -> NOT_READY;
            case CANCELLED -> CANCELLED;
            case INTERNAL -> INTERNAL;
        };
    }
}
