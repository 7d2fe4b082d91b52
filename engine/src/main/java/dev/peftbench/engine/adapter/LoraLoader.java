package dev.peftbench.engine.adapter;

import dev.peftbench.engine.AdapterInfo;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.load.WeightSource;
import dev.peftbench.engine.tensor.Tensor;
import dev.peftbench.engine.tensor.TensorOps;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a LoRA adapter's matrices for any model family from the family's {@link LoraTargets}: every
 * tensor must adapt one of its projections in one of its layers, with shapes that fit the base model.
 */
final class LoraLoader {

    private LoraLoader() {
    }

    /**
     * Refuses {@code target_modules} entries the family has no projection for, before any weight is read. A
     * pattern (one string) is checked through the tensors it produced instead.
     *
     * @throws BaseMismatch when none of them is one of the family's (the adapter is another family's)
     */
    static void checkTargetModules(AdapterConfig config, LoraTargets targets) {
        List<String> unknown = config.targetModules().stream()
                .filter(module -> !module.equals("all-linear") && !targets.selects(module)).toList();
        if (unknown.isEmpty()) {
            return;
        }
        if (unknown.size() == config.targetModules().size()) {
            throw new BaseMismatch("its LoRA target modules " + unknown + " are no projections of " + targets.architecture()
                    + ", whose target modules are " + targets.moduleNames());
        }
        throw EngineException.loadFailed("LoRA target module '" + unknown.getFirst() + "' is not supported on "
                + targets.architecture() + "; supported target modules: " + targets.moduleNames());
    }

    static LoraAdapter load(WeightSource source, LoraTargets targets, TensorOps ops, float scale, String name, AdapterInfo info) {
        Pattern key = targets.keyPattern();
        Tensor[][] as = new Tensor[targets.layers()][targets.targets().size()];
        Tensor[][] bs = new Tensor[targets.layers()][targets.targets().size()];
        for (String tensor : source.names()) {
            Matcher m = key.matcher(tensor);
            if (!m.matches()) {
                throw new BaseMismatch("its LoRA tensor '" + tensor + "' does not adapt a projection of "
                        + targets.architecture() + ", whose target modules are " + targets.moduleNames());
            }
            int layer = Integer.parseInt(m.group(1));
            if (layer >= targets.layers()) {
                throw new BaseMismatch("its LoRA tensor '" + tensor + "' targets layer " + layer + " but the base model has "
                        + targets.layers() + " layers");
            }
            int index = targets.indexOf(m.group(2));
            LoraTargets.Target target = targets.targets().get(index);
            Tensor t = ops.adapterWeight(source, tensor);
            if (m.group(3).equals("A")) {
                if (t.cols() != target.inFeatures()) {
                    throw mismatch(tensor, t, "[r, " + target.inFeatures() + "]", targets);
                }
                as[layer][index] = t;
            } else {
                if (t.rows() != target.outFeatures()) {
                    throw mismatch(tensor, t, "[" + target.outFeatures() + ", r]", targets);
                }
                bs[layer][index] = t;
            }
        }
        LoraAdapter.LoraWeights[][] weights = new LoraAdapter.LoraWeights[targets.layers()][targets.targets().size()];
        boolean any = false;
        for (int l = 0; l < targets.layers(); l++) {
            for (int i = 0; i < targets.targets().size(); i++) {
                Tensor a = as[l][i];
                Tensor b = bs[l][i];
                String where = "layer " + l + " " + targets.targets().get(i).path();
                if (a == null && b == null) {
                    continue;
                }
                if (a == null || b == null) {
                    throw EngineException.loadFailed("LoRA adapter " + name + " has lora_" + (a == null ? "B" : "A")
                            + " but no lora_" + (a == null ? "A" : "B") + " for " + where);
                }
                if (b.cols() != a.rows()) {
                    throw EngineException.loadFailed("LoRA rank mismatch for " + where + ": lora_A has rank " + a.rows()
                            + ", lora_B has rank " + b.cols());
                }
                weights[l][i] = new LoraAdapter.LoraWeights(a, b);
                any = true;
            }
        }
        if (!any) {
            throw EngineException.loadFailed("LoRA adapter " + name + " has no lora_A/lora_B pairs");
        }
        return new LoraAdapter(name, scale, weights, info);
    }

    private static BaseMismatch mismatch(String name, Tensor t, String expected, LoraTargets targets) {
        return new BaseMismatch("its LoRA tensor " + name + " has shape [" + t.rows() + ", " + t.cols()
                + "] but this " + targets.architecture() + " base model needs " + expected);
    }
}
