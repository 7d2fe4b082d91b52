package dev.peftbench.engine.train;

import dev.peftbench.engine.EngineException;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Locale;

/**
 * Updates parameters from their gradients, element by element in double precision from float32 state, as
 * torch's optimizers do in float32 (the single-tensor code paths of {@code torch.optim.AdamW} and
 * {@code torch.optim.SGD}).
 */
public sealed interface Optimizer permits Optimizer.AdamW, Optimizer.Sgd {

    /** One step with learning rate {@code lr}: {@code gradients.get(i)} belongs to {@code parameters.get(i)}. */
    void step(List<Parameter> parameters, List<float[]> gradients, double lr);

    /**
     * What the next steps depend on besides the parameters, for a checkpoint: each tensor under
     * {@code <parameter>.<torch's state key>} ({@code exp_avg}, {@code exp_avg_sq} for AdamW; nothing for SGD).
     */
    Map<String, float[]> state(List<Parameter> parameters);

    /**
     * Continues after {@code steps} steps from a saved {@link #state}, so the next step is the one an
     * uninterrupted run takes.
     *
     * @throws EngineException naming a tensor the state lacks or whose size differs
     */
    void restore(List<Parameter> parameters, Map<String, float[]> state, int steps);

    /** The optimizers by their command-line names, with torch's default weight decay. */
    enum Kind {
        ADAMW("adamw", 0.01), SGD("sgd", 0.0);

        private final String label;
        private final double defaultWeightDecay;

        Kind(String label, double defaultWeightDecay) {
            this.label = label;
            this.defaultWeightDecay = defaultWeightDecay;
        }

        public String label() {
            return label;
        }

        /** torch's default: 0.01 for AdamW, 0 for SGD. */
        public double defaultWeightDecay() {
            return defaultWeightDecay;
        }

        public static Kind parse(String text) {
            for (Kind k : values()) {
                if (k.label.equals(text.toLowerCase(Locale.ROOT))) {
                    return k;
                }
            }
            throw EngineException.invalid("unknown optimizer '" + text + "'; supported: adamw, sgd");
        }

        public Optimizer create(double weightDecay) {
            return this == ADAMW ? new AdamW(0.9, 0.999, 1e-8, weightDecay) : new Sgd(weightDecay);
        }
    }

    /**
     * {@code torch.optim.AdamW} (amsgrad off): {@code p ← p·(1 − lr·wd)}; {@code m ← β1·m + (1 − β1)·g};
     * {@code v ← β2·v + (1 − β2)·g²}; {@code p ← p − lr/(1 − β1ᵗ) · m / (sqrt(v)/sqrt(1 − β2ᵗ) + eps)}.
     */
    final class AdamW implements Optimizer {
        private final double beta1;
        private final double beta2;
        private final double eps;
        private final double weightDecay;
        private final List<float[]> m = new ArrayList<>();
        private final List<float[]> v = new ArrayList<>();
        private int t;

        public AdamW(double beta1, double beta2, double eps, double weightDecay) {
            this.beta1 = beta1;
            this.beta2 = beta2;
            this.eps = eps;
            this.weightDecay = weightDecay;
        }

        @Override
        public Map<String, float[]> state(List<Parameter> parameters) {
            Map<String, float[]> out = new LinkedHashMap<>();
            for (int i = 0; i < m.size(); i++) {
                out.put(parameters.get(i).name() + ".exp_avg", m.get(i));
                out.put(parameters.get(i).name() + ".exp_avg_sq", v.get(i));
            }
            return out;
        }

        @Override
        public void restore(List<Parameter> parameters, Map<String, float[]> state, int steps) {
            m.clear();
            v.clear();
            for (Parameter p : parameters) {
                m.add(saved(state, p, ".exp_avg"));
                v.add(saved(state, p, ".exp_avg_sq"));
            }
            t = steps;
        }

        private static float[] saved(Map<String, float[]> state, Parameter p, String key) {
            float[] values = state.get(p.name() + key);
            if (values == null || values.length != p.values().length) {
                throw EngineException.invalid("the checkpoint's optimizer state has no " + p.name() + key + " of "
                        + p.values().length + " values");
            }
            return values.clone();
        }

        @Override
        public void step(List<Parameter> parameters, List<float[]> gradients, double lr) {
            if (m.isEmpty()) {
                parameters.forEach(p -> {
                    m.add(new float[p.values().length]);
                    v.add(new float[p.values().length]);
                });
            }
            t++;
            double stepSize = lr / (1 - Math.pow(beta1, t));
            double correction2 = Math.sqrt(1 - Math.pow(beta2, t));
            for (int i = 0; i < parameters.size(); i++) {
                float[] p = parameters.get(i).values();
                float[] g = gradients.get(i);
                float[] mi = m.get(i);
                float[] vi = v.get(i);
                for (int j = 0; j < p.length; j++) {
                    double decayed = p[j] * (1 - lr * weightDecay);
                    mi[j] = (float) (beta1 * mi[j] + (1 - beta1) * g[j]);
                    vi[j] = (float) (beta2 * vi[j] + (1 - beta2) * (double) g[j] * g[j]);
                    double denominator = Math.sqrt(vi[j]) / correction2 + eps;
                    p[j] = (float) (decayed - stepSize * mi[j] / denominator);
                }
            }
        }
    }

    /** {@code torch.optim.SGD} without momentum: {@code p ← p − lr · (g + wd·p)}. */
    final class Sgd implements Optimizer {
        private final double weightDecay;

        public Sgd(double weightDecay) {
            this.weightDecay = weightDecay;
        }

        @Override
        public Map<String, float[]> state(List<Parameter> parameters) {
            return Map.of();
        }

        @Override
        public void restore(List<Parameter> parameters, Map<String, float[]> state, int steps) {
            // plain SGD keeps nothing between steps
        }

        @Override
        public void step(List<Parameter> parameters, List<float[]> gradients, double lr) {
            for (int i = 0; i < parameters.size(); i++) {
                float[] p = parameters.get(i).values();
                float[] g = gradients.get(i);
                for (int j = 0; j < p.length; j++) {
                    p[j] = (float) (p[j] - lr * (g[j] + weightDecay * p[j]));
                }
            }
        }
    }
}
