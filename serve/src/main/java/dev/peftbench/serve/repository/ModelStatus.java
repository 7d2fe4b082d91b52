package dev.peftbench.serve.repository;

/** One row of the repository index: where a model stands and, when not ready, why. */
public record ModelStatus(String name, String version, ModelState state, String reason) {
    public boolean ready() {
        return state == ModelState.READY;
    }
}
