package dev.peftbench.serve.repository;

import dev.peftbench.serve.Failure;
import dev.peftbench.serve.ServeException;

/** One row of the repository index: where a model stands and, when not ready, why. */
public record ModelStatus(String name, String version, ModelState state, String reason) {
    public boolean ready() {
        return state == ModelState.READY;
    }

    /**
     * This model, when ready to answer.
     *
     * @throws ServeException NOT_READY with the reason
     */
    public ModelStatus requireReady() {
        if (!ready()) {
            throw new ServeException(Failure.NOT_READY, "model '" + name + "' is not ready: " + reason);
        }
        return this;
    }
}
