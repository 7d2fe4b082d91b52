package dev.peftbench.engine.adapter;

import dev.peftbench.engine.AdapterInfo;
import dev.peftbench.engine.tensor.Tensor;

/**
 * A prompt-tuning adapter (peft's PROMPT_TUNING): {@code num_virtual_tokens} learned embeddings
 * prepended to the input embeddings, attention mask extended with ones, exactly as
 * {@code PeftModelForCausalLM.forward / prepare_inputs_for_generation} do.
 */
public record PromptTuningAdapter(String name, Tensor virtualTokens, AdapterInfo info) implements Adapter {
    public int numVirtualTokens() {
        return virtualTokens.rows();
    }
}
