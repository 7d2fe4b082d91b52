package dev.peftbench.serve.v2;

import dev.peftbench.serve.repository.ModelStatus;

import java.util.List;

/**
 * Model metadata (inference_rest.md, "Model Metadata"): input {@code content} BYTES [-1], output
 * {@code output-0} BYTES [-1, 1]. Field names as the REST JSON writes them.
 */
public record ModelMetadata(String name, List<String> versions, String platform, List<Tensor> inputs,
                            List<Tensor> outputs) {

    public static final String PLATFORM = "peftbench";
    public static final Tensor INPUT = new Tensor("content", InferInput.BYTES, List.of(-1L));
    public static final Tensor OUTPUT = new Tensor(InferResponse.OUTPUT_NAME, InferInput.BYTES, List.of(-1L, 1L));

    public record Tensor(String name, String datatype, List<Long> shape) {
    }

    public static ModelMetadata of(ModelStatus s) {
        return new ModelMetadata(s.name(), s.version() == null ? List.of() : List.of(s.version()), PLATFORM,
                List.of(INPUT), List.of(OUTPUT));
    }
}
