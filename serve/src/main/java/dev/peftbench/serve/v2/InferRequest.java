package dev.peftbench.serve.v2;

import dev.peftbench.serve.ServeException;

import java.util.List;
import java.util.Map;

/**
 * A v2 inference request in either protocol or form. The text model takes exactly one BYTES input of
 * shape [N]; {@link #texts()} are its N prompts. {@code parameters} are plain values (string, number,
 * boolean) whatever the wire form.
 */
public record InferRequest(String id, Map<String, Object> parameters, List<InferInput> inputs, WireForm form) {

    public InferRequest {
        parameters = parameters == null ? Map.of() : Map.copyOf(parameters);
        if (inputs == null || inputs.isEmpty()) {
            throw ServeException.badRequest("the request has no \"inputs\"; send one BYTES input, e.g. "
                    + "{\"name\": \"content\", \"shape\": [1], \"datatype\": \"BYTES\", \"data\": [\"text\"]}");
        }
        inputs = List.copyOf(inputs);
        if (inputs.size() != 1) {
            throw ServeException.badRequest("this model takes one BYTES input, got " + inputs.size() + " inputs");
        }
        if (form == null) {
            form = WireForm.DATA;
        }
    }

    public List<String> texts() {
        return inputs.getFirst().texts();
    }
}
