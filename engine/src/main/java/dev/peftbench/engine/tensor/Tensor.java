package dev.peftbench.engine.tensor;

/**
 * A 2-D tensor owned by a {@link TensorOps} backend: activations {@code [rows, cols]} or a weight
 * matrix {@code [out, in]}. Architectures never look inside; they pass tensors back to the backend.
 */
public interface Tensor {
    int rows();

    int cols();
}
