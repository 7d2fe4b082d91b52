package dev.peftbench.engine.adapter;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Which projections of a model family's decoder layers LoRA may adapt, and where the layers sit in its
 * weight names, so one loader reads every family's adapters. A target's module name is the last part
 * of its path, the name peft's {@code target_modules} uses.
 *
 * @param architecture  the model's class, for messages
 * @param layerPrefixes how weight names lead to layer {@code N}: e.g. {@code model.layers.} (before {@code N.})
 * @param layers        how many decoder layers the base model has
 */
public record LoraTargets(String architecture, List<String> layerPrefixes, int layers, List<Target> targets) {

    /** One projection: its path under a layer, e.g. {@code self_attn.q_proj}, and its shape. */
    public record Target(String path, int inFeatures, int outFeatures) {
        public String module() {
            return path.substring(path.lastIndexOf('.') + 1);
        }
    }

    public LoraTargets {
        layerPrefixes = List.copyOf(layerPrefixes);
        targets = List.copyOf(targets);
    }

    /** The module names, comma-separated, for messages. */
    public String moduleNames() {
        return targets.stream().map(Target::module).collect(Collectors.joining(", "));
    }

    /** Whether peft's {@code target_modules} entry {@code name} (a module name or a path suffix) selects one of these. */
    public boolean selects(String name) {
        return targets.stream().anyMatch(t -> t.path().equals(name) || ("." + t.path()).endsWith("." + name));
    }

    /**
     * A LoRA tensor's name as peft saves it, {@code base_model.model.<layer prefix>N.<path>.lora_A.weight}
     * (an adapter name such as {@code .default} may follow {@code lora_A}): groups layer, path, A or B.
     */
    public Pattern keyPattern() {
        String prefixes = layerPrefixes.stream().map(Pattern::quote).collect(Collectors.joining("|"));
        String paths = targets.stream().map(t -> Pattern.quote(t.path())).collect(Collectors.joining("|"));
        return Pattern.compile("(?:base_model\\.model\\.)?(?:" + prefixes + ")(\\d+)\\.(" + paths
                + ")\\.lora_([AB])(?:\\.default)?\\.weight");
    }

    /**
     * The name peft's {@code get_peft_model_state_dict} gives {@code lora_A} (or {@code lora_B}) of target
     * {@code target} in layer {@code layer}: {@code base_model.model.<layer prefix>N.<path>.lora_A.weight}.
     */
    public String weightName(int layer, int target, boolean a) {
        return "base_model.model." + layerPrefixes.getFirst() + layer + "." + targets.get(target).path()
                + (a ? ".lora_A.weight" : ".lora_B.weight");
    }

    /** The index of the target at {@code path} (a {@link #keyPattern} group). */
    public int indexOf(String path) {
        for (int i = 0; i < targets.size(); i++) {
            if (targets.get(i).path().equals(path)) {
                return i;
            }
        }
        throw new IllegalArgumentException(path);
    }
}
