package dev.peftbench.serve;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.InputField;

import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A request that cannot be answered normally; {@link #failure()} decides the protocol answer. */
public final class ServeException extends RuntimeException {

    private static final Logger LOG = LoggerFactory.getLogger(ServeException.class);

    private final Failure failure;

    public ServeException(Failure failure, String message) {
        super(message);
        this.failure = failure;
    }

    public Failure failure() {
        return failure;
    }

    public static ServeException badRequest(String message) {
        return new ServeException(Failure.BAD_REQUEST, message);
    }

    public static ServeException notFound(String message) {
        return new ServeException(Failure.NOT_FOUND, message);
    }

    /**
     * Turns anything thrown while answering into a ServeException. Faults that are not the client's
     * are logged here with an id the body repeats, so the body never carries a stack trace.
     */
    public static ServeException from(Throwable error) {
        return from(error, ServeException::jsonField);
    }

    /**
     * As {@link #from(Throwable)}, an engine error naming each field as {@code names} does: a request's protocol names
     * ({@link SamplingFields#refer}).
     */
    public static ServeException from(Throwable error, Function<InputField, String> names) {
        Throwable t = unwrap(error);
        if (t instanceof ServeException se) {
            return se;
        }
        if (t instanceof EngineException ee) {
            Failure failure = Failure.of(ee.kind());
            if (failure != Failure.INTERNAL) {
                return new ServeException(failure, ee.message(names));
            }
        }
        if (t instanceof TimeoutException) {
            return new ServeException(Failure.TIMEOUT, "the request timed out; generation was cancelled");
        }
        if (t instanceof CancellationException) {
            return new ServeException(Failure.CANCELLED, "the request was cancelled");
        }
        String id = UUID.randomUUID().toString();
        LOG.error("internal error {}", id, t);
        return new ServeException(Failure.INTERNAL, "internal server error (id " + id + ", see the server log)");
    }

    /**
     * A field outside a request's sampling settings, as the repository API's load parameters and a model-settings.json
     * name it: the engine's snake_case name, but the base model's {@code base_model}.
     */
    private static String jsonField(InputField field) {
        return field == InputField.MODEL ? "base_model" : field.neutralName();
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
