package dev.peftbench.serve.v2;

import dev.peftbench.serve.ServeException;

import java.util.List;
import java.util.Map;

/**
 * A v2 inference request in either protocol or form. The text model takes one BYTES input of shape [N];
 * {@link #texts()} are its N prompts. A second BYTES input named {@value #LABELS} (shape [K]) turns the
 * request into label scoring: each text is scored against the K labels ({@link #labels()}). {@code parameters}
 * are plain values (string, number, boolean) whatever the wire form.
 */
public record InferRequest(String id, Map<String, Object> parameters, List<InferInput> inputs, WireForm form) {

    /** The name of the optional input that holds the labels to score the texts against. */
    public static final String LABELS = "labels";

    public InferRequest {
        parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
        if (inputs == null || inputs.isEmpty()) {
            throw ServeException.badRequest("the request has no \"inputs\"; send one BYTES input, e.g. "
                    + "{\"name\": \"content\", \"shape\": [1], \"datatype\": \"BYTES\", \"data\": [\"text\"]}");
        }
        inputs = List.copyOf(inputs);
        long named = inputs.stream().filter(i -> LABELS.equals(i.name())).count();
        if (inputs.size() > 2 || inputs.size() == 2 && named != 1) {
            throw ServeException.badRequest("this model takes one BYTES input of texts, and optionally a second one named '"
                    + LABELS + "' (shape [K]) to score them against; got " + inputs.size() + " inputs");
        }
        if (form == null) {
            form = WireForm.DATA;
        }
    }

    public List<String> texts() {
        return inputs.stream().filter(i -> inputs.size() == 1 || !LABELS.equals(i.name())).findFirst().orElseThrow().texts();
    }

    /** Whether the request asks for label scores ({@value #LABELS} beside the texts). */
    public boolean scoring() {
        return inputs.size() == 2;
    }

    /**
     * The labels to score against, in order.
     *
     * @throws ServeException 400 naming the input when it is not one-dimensional, is empty, or names a label twice or an
     *                        empty one
     */
    public List<String> labels() {
        InferInput input = inputs.stream().filter(i -> LABELS.equals(i.name())).findFirst().orElseThrow(
                () -> new IllegalStateException("not a scoring request"));
        if (input.shape().size() != 1) {
            throw ServeException.badRequest("input '" + LABELS + "' must have shape [K], got " + input.shape());
        }
        List<String> labels = input.texts();
        if (labels.isEmpty()) {
            throw ServeException.badRequest("input '" + LABELS + "' is empty: name at least one label to score");
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String label : labels) {
            if (label.isEmpty()) {
                throw ServeException.badRequest("input '" + LABELS + "' holds an empty label: every label needs a token to score");
            }
            if (!seen.add(label)) {
                throw ServeException.badRequest("input '" + LABELS + "' names '" + label + "' twice");
            }
        }
        return labels;
    }
}
