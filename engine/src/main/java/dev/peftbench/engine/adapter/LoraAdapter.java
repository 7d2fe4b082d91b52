package dev.peftbench.engine.adapter;

import dev.peftbench.engine.AdapterInfo;
import dev.peftbench.engine.tensor.Tensor;

import java.util.Objects;

/**
 * A LoRA adapter (peft's tuners/lora): for each adapted projection, {@code y += scale · B(A(x))} with
 * {@code scale = lora_alpha / r} (or {@code lora_alpha / sqrt(r)} with rsLoRA), added beside the shared
 * base weights, never merged into them, so other requests keep using the base model or other adapters.
 */
public final class LoraAdapter implements Adapter {

    /** {@code A [r, in]} and {@code B [out, r]} of one projection. */
    public record LoraWeights(Tensor a, Tensor b) {
    }

    private final String name;
    private final float scale;
    private final LoraWeights[][] weights;
    private final int modules;
    private final AdapterInfo info;

    /** @param weights per layer, per {@link LoraTargets} target index; null where that projection is not adapted */
    public LoraAdapter(String name, float scale, LoraWeights[][] weights, AdapterInfo info) {
        this.name = Objects.requireNonNull(name);
        this.scale = scale;
        this.weights = weights;
        this.info = Objects.requireNonNull(info);
        int count = 0;
        for (LoraWeights[] layer : weights) {
            for (LoraWeights w : layer) {
                count += w == null ? 0 : 1;
            }
        }
        if (count == 0) {
            throw new IllegalArgumentException("a LoRA adapter needs at least one module");
        }
        this.modules = count;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public AdapterInfo info() {
        return info;
    }

    public float scale() {
        return scale;
    }

    /** Projections adapted, over all layers. */
    public int moduleCount() {
        return modules;
    }

    /** The same matrices described by {@code newInfo}. */
    LoraAdapter withInfo(AdapterInfo newInfo) {
        return new LoraAdapter(name, scale, weights, newInfo);
    }

    /** The matrices adapting target {@code target} of layer {@code layer}, or null. */
    public LoraWeights weights(int layer, int target) {
        return weights[layer][target];
    }
}
