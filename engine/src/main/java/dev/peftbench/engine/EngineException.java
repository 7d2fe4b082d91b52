package dev.peftbench.engine;

import java.util.List;
import java.util.function.Function;

/**
 * The one error type the engine throws. {@link Kind} is what callers map to protocol answers
 * (HTTP status, gRPC code, UI message); the message is written for the user and names what to fix.
 * An error about fields of the input carries them as {@link InputField}s, with the message written as a template
 * ({@link FieldMessage}) that each front end fills with its own name for each field ({@link #message(Function)});
 * {@link #getMessage()} fills it with the engine's names.
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
    private final FieldMessage fieldMessage;

    public EngineException(Kind kind, String message) {
        this(kind, message, (Throwable) null);
    }

    public EngineException(Kind kind, String message, Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.fieldMessage = null;
    }

    /** An error about fields of the input, the message naming each as its reader knows it. */
    public EngineException(Kind kind, FieldMessage message) {
        super(message.toString());
        this.kind = kind;
        this.fieldMessage = message;
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

    /**
     * An input the user can correct, about {@code fields}: {@code template} names field {@code i} as {@code {i}}
     * ({@code invalid("{0} must be >= 1, got " + n, InputField.EPOCHS)}).
     */
    public static EngineException invalid(String template, InputField... fields) {
        return new EngineException(Kind.INVALID_INPUT, FieldMessage.of(template, fields));
    }

    /** The fields the error is about, first the one to fix; empty for an error about no field. */
    public List<InputField> fields() {
        return fieldMessage == null ? List.of() : fieldMessage.fields();
    }

    /** The message with each field named by {@code names}: a flag, a JSON field, a label. */
    public String message(Function<InputField, String> names) {
        return fieldMessage == null ? getMessage() : fieldMessage.text(names);
    }

    public static EngineException loadFailed(String message) {
        return new EngineException(Kind.LOAD_FAILED, message);
    }

    public static EngineException loadFailed(String message, Throwable cause) {
        return new EngineException(Kind.LOAD_FAILED, message, cause);
    }
}
