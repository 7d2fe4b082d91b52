package dev.peftbench.engine.train;

import dev.peftbench.engine.AdapterInfo;
import dev.peftbench.engine.adapter.LoraAdapter;
import dev.peftbench.engine.adapter.LoraTargets;
import dev.peftbench.engine.tensor.Tensor;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * LoRA matrices {@code A [r, in]} and {@code B [out, r]} for every adapted projection of every layer
 * (peft's {@code LoraLayer}), saved under peft's names ({@code base_model.model.<layer>.<path>.lora_A.weight}).
 *
 * @param targetModules the {@code target_modules} peft records: module names, or one pattern string
 * @param dropout       {@code lora_dropout}, recorded in the config
 */
public record LoraParameters(LoraTargets targets, List<Module> modules, int r, double alpha, boolean rslora,
                             double dropout, Object targetModules) implements TrainableAdapter {

    /** One adapted projection: target {@code target} of {@link LoraTargets} in layer {@code layer}. */
    public record Module(int layer, int target, Parameter a, Parameter b) {
    }

    public LoraParameters {
        modules = List.copyOf(modules);
        if (modules.isEmpty()) {
            throw new IllegalArgumentException("a LoRA adapter adapts at least one projection");
        }
    }

    /**
     * A fresh adapter as peft initialises one ({@code init_lora_weights=True}): A drawn by
     * {@code kaiming_uniform_(a=sqrt(5))}, i.e. uniform in ±1/sqrt(in_features), and B zero, so training
     * starts from the base model's own outputs.
     */
    static LoraParameters fresh(LoraTargets targets, List<Integer> selected, int r, double alpha, boolean rslora, double dropout,
                                SplittableRandom random) {
        List<Module> modules = new ArrayList<>();
        for (int layer = 0; layer < targets.layers(); layer++) {
            for (int t : selected) {
                LoraTargets.Target target = targets.targets().get(t);
                float bound = (float) (1 / Math.sqrt(target.inFeatures()));
                float[] a = new float[r * target.inFeatures()];
                for (int i = 0; i < a.length; i++) {
                    a[i] = (float) random.nextDouble(-bound, bound);
                }
                modules.add(new Module(layer, t, new Parameter(targets.weightName(layer, t, true), r, target.inFeatures(), a),
                        new Parameter(targets.weightName(layer, t, false), target.outFeatures(), r, new float[target.outFeatures() * r])));
            }
        }
        List<String> names = selected.stream().map(t -> targets.targets().get(t).module()).toList();
        return new LoraParameters(targets, modules, r, alpha, rslora, dropout, names);
    }

    /** peft's scaling: {@code lora_alpha / r}, or {@code lora_alpha / sqrt(r)} with rsLoRA. */
    public float scale() {
        return (float) (rslora ? alpha / Math.sqrt(r) : alpha / r);
    }

    @Override
    public TuningMethod method() {
        return TuningMethod.LORA;
    }

    @Override
    public List<Parameter> parameters() {
        List<Parameter> all = new ArrayList<>(2 * modules.size());
        for (Module m : modules) {
            all.add(m.a());
            all.add(m.b());
        }
        return all;
    }

    @Override
    public int virtualTokens() {
        return 0;
    }

    @Override
    public RowMaker rows(List<Tensor> tensors) {
        LoraAdapter.LoraWeights[][] weights = new LoraAdapter.LoraWeights[targets.layers()][targets.targets().size()];
        for (int i = 0; i < modules.size(); i++) {
            Module m = modules.get(i);
            weights[m.layer()][m.target()] = new LoraAdapter.LoraWeights(tensors.get(2 * i), tensors.get(2 * i + 1));
        }
        LoraAdapter adapter = new LoraAdapter("tuning", scale(), weights, new AdapterInfo(Path.of("."), "LORA", Map.of()));
        return new RowMaker(null, adapter);
    }

    @Override
    public Map<String, Object> peftConfig(String baseModel) {
        // LoraConfig's dataclass fields (with those of PeftConfig and PeftConfigMixin), runtime_config left out as
        // LoraConfig.to_dict does.
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("alora_invocation_tokens", null);
        c.put("alpha_pattern", Map.of());
        c.put("arrow_config", null);
        c.put("auto_mapping", null);
        c.put("base_model_name_or_path", baseModel);
        c.put("bias", "none");
        c.put("corda_config", null);
        c.put("ensure_weight_tying", false);
        c.put("eva_config", null);
        c.put("exclude_modules", null);
        c.put("fan_in_fan_out", false);
        c.put("inference_mode", true);
        c.put("init_lora_weights", true);
        c.put("layer_replication", null);
        c.put("layers_pattern", null);
        c.put("layers_to_transform", null);
        c.put("loftq_config", Map.of());
        c.put("lora_alpha", alpha == Math.rint(alpha) ? (Object) (long) alpha : (Object) alpha);
        c.put("lora_bias", false);
        c.put("lora_dropout", dropout);
        c.put("lora_ga_config", null);
        c.put("megatron_config", null);
        c.put("megatron_core", "megatron.core");
        c.put("modules_to_save", null);
        c.put("monteclora_config", null);
        c.put("peft_type", "LORA");
        c.put("peft_version", PEFT_VERSION);
        c.put("qalora_group_size", 16);
        c.put("r", r);
        c.put("rank_pattern", Map.of());
        c.put("revision", null);
        c.put("target_modules", targetModules);
        c.put("target_parameters", null);
        c.put("task_type", "CAUSAL_LM");
        c.put("trainable_token_indices", null);
        c.put("use_bdlora", null);
        c.put("use_dora", false);
        c.put("use_qalora", false);
        c.put("use_rslora", rslora);
        c.put("velora_config", null);
        return c;
    }
}
