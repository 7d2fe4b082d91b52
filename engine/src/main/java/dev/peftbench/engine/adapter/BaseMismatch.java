package dev.peftbench.engine.adapter;

/**
 * An adapter that does not fit the base model it is loaded on (another family, other layers or widths):
 * {@link AdapterLoader} reports it as that mismatch, naming both models.
 */
final class BaseMismatch extends RuntimeException {

    BaseMismatch(String reason) {
        super(reason, null, false, false);
    }
}
