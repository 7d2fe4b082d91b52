package dev.peftbench.publish.image;

/** Progress of an image build: a fraction in [0, 1] and what is happening. */
public record ImageEvent(double fraction, String message) {
}
