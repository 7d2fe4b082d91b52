package dev.peftbench.engine.adapter;

import dev.peftbench.engine.AdapterInfo;
import dev.peftbench.engine.tensor.Tensor;

import java.util.Map;

/**
 * A LoRA adapter (peft's tuners/lora): for each targeted projection, {@code y += scale · B(A(x))}
 * with {@code scale = lora_alpha / r}, added beside the shared base weights, never merged into them,
 * so other requests keep using the base model or other adapters.
 *
 * @param modules keyed by the architecture's module key (e.g. {@code h.3.self_attention.query_key_value})
 */
public record LoraAdapter(String name, float scale, Map<String, LoraWeights> modules, AdapterInfo info)
        implements Adapter {

    public LoraAdapter {
        modules = Map.copyOf(modules);
        if (modules.isEmpty()) {
            throw new IllegalArgumentException("a LoRA adapter needs at least one module");
        }
    }

    /** {@code A [r, in]} and {@code B [out, r]} of one projection. */
    public record LoraWeights(Tensor a, Tensor b) {
    }

    public LoraWeights module(String key) {
        return modules.get(key);
    }
}
