package dev.peftbench.ui;

import dev.peftbench.engine.EngineException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * Turns a failure into one sentence the user can act on, an engine error naming each field by its label
 * ({@link FieldLabels}); stack traces go to the log only.
 */
public final class UserMessage {
    private static final Logger log = LoggerFactory.getLogger(UserMessage.class);

    private UserMessage() {
    }

    public static String of(String action, Throwable error) {
        Throwable cause = unwrap(error);
        if (cause instanceof EngineException e) {
            return action + ": " + e.message(FieldLabels::of) + hint(e.kind());
        }
        if (cause instanceof IllegalArgumentException || cause instanceof java.io.IOException
                || cause instanceof dev.peftbench.publish.cluster.PublishException) {
            return action + ": " + cause.getMessage();
        }
        // Not a failure we anticipated: the user gets a short message, the log gets the trace.
        log.error("{} failed", action, cause);
        return action + " failed unexpectedly (" + cause.getClass().getSimpleName()
                + (cause.getMessage() == null ? "" : ": " + cause.getMessage()) + "); details are in the log.";
    }

    private static String hint(EngineException.Kind kind) {
        return switch (kind) {
            case NOT_FOUND -> " (check the folder or Hub id on the Model page)";
            case LOAD_FAILED -> " (pick another model or adapter folder)";
            case QUEUE_FULL -> " (the engine is busy; try again in a moment)";
            case NOT_READY -> " (load a model on the Model page first)";
            default -> "";
        };
    }

    private static Throwable unwrap(Throwable t) {
        Throwable c = t;
        while ((c instanceof CompletionException || c instanceof ExecutionException) && c.getCause() != null) {
            c = c.getCause();
        }
        return c;
    }
}
