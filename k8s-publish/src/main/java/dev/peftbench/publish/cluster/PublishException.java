package dev.peftbench.publish.cluster;

/** A publish that cannot go on, with a message that says what to do about it. */
public final class PublishException extends RuntimeException {
    public PublishException(String message) {
        super(message);
    }

    public PublishException(String message, Throwable cause) {
        super(message, cause);
    }
}
