package dev.peftbench.engine.train;

import dev.peftbench.engine.tensor.Autograd;
import dev.peftbench.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.List;

/** An adapter's parameters on the backend, as leaves autograd collects gradients for (or frozen copies for evaluation). */
final class BoundAdapter {

    private final TrainableAdapter adapter;
    private final Autograd autograd;
    private final List<Tensor> tensors = new ArrayList<>();
    private final TrainableAdapter.RowMaker rows;

    BoundAdapter(TrainableAdapter adapter, Autograd autograd, boolean trainable) {
        this.adapter = adapter;
        this.autograd = autograd;
        for (Parameter p : adapter.parameters()) {
            tensors.add(autograd.parameter(p.values(), p.rows(), p.cols(), trainable));
        }
        this.rows = adapter.rows(tensors);
    }

    TrainableAdapter.RowMaker rows() {
        return rows;
    }

    /** The gradients collected so far, one per parameter. */
    List<float[]> gradients() {
        return tensors.stream().map(autograd::gradient).toList();
    }

    /** The backend takes the parameters' current values (after an optimizer step); gradients start from zero. */
    void update() {
        List<Parameter> parameters = adapter.parameters();
        for (int i = 0; i < parameters.size(); i++) {
            autograd.assign(tensors.get(i), parameters.get(i).values());
        }
    }
}
