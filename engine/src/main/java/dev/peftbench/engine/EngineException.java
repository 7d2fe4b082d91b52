package dev.peftbench.engine;

/**
 * The one error type the engine throws. {@link Kind} is what callers map to protocol answers
 * (HTTP status, gRPC code, UI message); the message is written for the user and names what to fix.
 */
public class EngineException extends RuntimeException {

    public enum Kind {
        /** Unknown model, adapter, file or hub id. */
        NOT_FOUND,
        /** A request the user can correct: bad parameter, prompt too long, template without {input}. */
        INVALID_INPUT,
        /** A prompt larger than the model's limit, refused by its size before any work on it. */
        TOO_LARGE,
        /** A model or adapter folder that cannot be loaded: bad config, corrupt weights, unsupported type. */
        LOAD_FAILED,
        /** The shared queue is full; try again later. */
        QUEUE_FULL,
        /** The model is loading or was unloaded. */
        NOT_READY,
        /** The request was cancelled by its caller. */
        CANCELLED,
        /** A fault inside the engine. */
        INTERNAL
    }

    private final Kind kind;

    public EngineException(Kind kind, String message) {
        super(message);
        this.kind = kind;
    }

    public EngineException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }

    public static EngineException notFound(String message) {
        return new EngineException(Kind.NOT_FOUND, message);
    }

    public static EngineException invalid(String message) {
        return new EngineException(Kind.INVALID_INPUT, message);
    }

    public static EngineException loadFailed(String message) {
        return new EngineException(Kind.LOAD_FAILED, message);
    }

    public static EngineException loadFailed(String message, Throwable cause) {
        return new EngineException(Kind.LOAD_FAILED, message, cause);
    }
}
