package dev.peftbench.serve.v2;

import java.util.List;

/**
 * The answer to an {@link InferRequest}: one generated text per input text, in order, sent as output
 * {@value #OUTPUT_NAME}, BYTES, shape [N, 1], {@code content_type = str} (MLServer's codec marker, as the
 * reference runtime answers).
 */
public record InferResponse(String modelName, String modelVersion, String id, List<String> texts) {

    public static final String OUTPUT_NAME = "output-0";
    public static final String CONTENT_TYPE = "content_type";
    public static final String CONTENT_TYPE_STR = "str";

    public InferResponse {
        texts = List.copyOf(texts);
    }

    public List<Long> shape() {
        return List.of((long) texts.size(), 1L);
    }
}
