package dev.peftbench.serve.repository;

/** Triton's model repository states (extension_model_repository.md, "Index"). */
public enum ModelState {
    READY, UNAVAILABLE, LOADING, UNLOADING
}
