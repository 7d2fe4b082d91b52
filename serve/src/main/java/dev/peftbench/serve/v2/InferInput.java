package dev.peftbench.serve.v2;

import dev.peftbench.serve.ServeException;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * One input tensor of a v2 request, after decoding either wire form. This model takes text: datatype
 * BYTES, each element UTF-8. The element count must equal the product of the shape
 * (inference_rest.md, "Tensor Data").
 */
public record InferInput(String name, String datatype, List<Long> shape, List<byte[]> elements) {

    public static final String BYTES = "BYTES";

    public InferInput {
        if (name == null || name.isBlank()) {
            throw ServeException.badRequest("every input needs a \"name\"");
        }
        checkDatatype(name, datatype);
        if (shape == null || shape.isEmpty()) {
            throw ServeException.badRequest("input '" + name + "' needs a \"shape\", e.g. [1]");
        }
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw ServeException.badRequest("input '" + name + "' has a negative dimension in shape " + shape);
            }
            try {
                count = Math.multiplyExact(count, d);
            } catch (ArithmeticException e) {
                throw ServeException.badRequest("input '" + name + "' has shape " + shape
                        + ", whose element count does not fit in 64 bits");
            }
        }
        elements = List.copyOf(elements);
        if (count != elements.size()) {
            throw ServeException.badRequest("input '" + name + "' has shape " + shape + " (" + count
                    + " elements) but " + elements.size() + " data elements");
        }
    }

    /** Checked before the data is read, so that a numeric tensor is reported as the wrong datatype. */
    public static void checkDatatype(String name, String datatype) {
        if (datatype == null || datatype.isBlank()) {
            throw ServeException.badRequest("input '" + name + "' needs a \"datatype\"");
        }
        if (!BYTES.equals(datatype)) {
            throw ServeException.badRequest("input '" + name + "' has datatype " + datatype
                    + "; this model takes text as datatype BYTES");
        }
    }

    /** The elements as text; invalid UTF-8 is a client mistake. */
    public List<String> texts() {
        List<String> out = new ArrayList<>(elements.size());
        for (byte[] b : elements) {
            try {
                out.add(StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(b)).toString());
            } catch (CharacterCodingException e) {
                throw ServeException.badRequest("input '" + name + "' has an element that is not UTF-8 text");
            }
        }
        return out;
    }
}
