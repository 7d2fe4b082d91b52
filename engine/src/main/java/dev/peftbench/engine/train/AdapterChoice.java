package dev.peftbench.engine.train;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.InputField;
import dev.peftbench.engine.adapter.Adapter;
import dev.peftbench.engine.adapter.AdapterConfig;
import dev.peftbench.engine.adapter.LoraAdapter;
import dev.peftbench.engine.adapter.LoraTargets;
import dev.peftbench.engine.adapter.PromptTuningAdapter;
import dev.peftbench.engine.arch.Architectures;
import dev.peftbench.engine.arch.CausalLm;
import dev.peftbench.engine.tokenize.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.SplittableRandom;

/**
 * The adapter a run trains, settled before any weight is read: the method (the continued adapter's, or the
 * one asked for), its settings (flags, else the continued adapter's, else the defaults) and, for LoRA, the
 * projections it adapts; a family without LoRA targets, an unknown target module, or a flag that
 * contradicts the continued adapter is refused here.
 */
record AdapterChoice(TuningMethod method, MethodSettings settings, AdapterConfig continued, LoraTargets targets,
                     List<Integer> selected) {

    static AdapterChoice of(MethodSettings settings, AdapterConfig continued, Architectures.Plan plan) {
        TuningMethod method = settings.method() != null ? settings.method() : TuningMethod.PROMPT_TUNING;
        if (continued != null) {
            TuningMethod type = continued.peftType() == AdapterConfig.PeftType.LORA ? TuningMethod.LORA : TuningMethod.PROMPT_TUNING;
            if (settings.method() != null && settings.method() != type) {
                throw EngineException.invalid("{0} is a " + type.label() + " adapter but {1} is " + method.label()
                        + "; continue it with {1} " + type.label() + " or start a fresh one without {0}",
                        InputField.ADAPTER, InputField.METHOD);
            }
            method = type;
            refuseContradictions(settings, continued);
        }
        settings.checkFor(method);
        LoraTargets targets = plan.loraTargets();
        List<Integer> selected = List.of();
        if (method == TuningMethod.LORA) {
            if (targets.targets().isEmpty()) {
                throw EngineException.invalid("LoRA is not supported for " + plan.architecture() + "; use {0} prompt-tuning", InputField.METHOD);
            }
            if (continued == null) {
                List<String> modules = settings.targetModules() != null ? settings.targetModules()
                        : plan.defaultLoraTargetModules();
                selected = select(modules, targets);
            }
        }
        return new AdapterChoice(method, settings, continued, targets, selected);
    }

    private static void refuseContradictions(MethodSettings s, AdapterConfig c) {
        String fixed = "; the adapter being continued fixes it: leave {0} out";
        if (s.numVirtualTokens() != null && !s.numVirtualTokens().equals(c.numVirtualTokens())) {
            throw EngineException.invalid("{0} " + s.numVirtualTokens() + " but the adapter has "
                    + c.numVirtualTokens() + fixed, InputField.NUM_VIRTUAL_TOKENS);
        }
        if (s.initText() != null) {
            throw EngineException.invalid("{0} initialises a fresh adapter; the adapter being continued is initialised already",
                    InputField.INIT_TEXT);
        }
        if (s.loraR() != null && s.loraR() != c.r()) {
            throw EngineException.invalid("{0} " + s.loraR() + " but the adapter has r " + c.r() + fixed, InputField.LORA_R);
        }
        if (s.loraAlpha() != null && s.loraAlpha() != c.loraAlpha()) {
            throw EngineException.invalid("{0} " + s.loraAlpha() + " but the adapter has lora_alpha " + c.loraAlpha() + fixed,
                    InputField.LORA_ALPHA);
        }
        if (s.useRslora() != null && s.useRslora() != c.useRslora()) {
            throw EngineException.invalid("{0} " + s.useRslora() + " but the adapter has use_rslora " + c.useRslora() + fixed,
                    InputField.USE_RSLORA);
        }
        if (s.targetModules() != null && !s.targetModules().equals(c.targetModules())) {
            throw EngineException.invalid("{0} " + String.join(",", s.targetModules()) + " but the adapter adapts "
                    + (c.targetModulesPattern() != null ? c.targetModulesPattern() : String.join(",", c.targetModules())) + fixed,
                    InputField.TARGET_MODULES);
        }
    }

    /** Target indexes for peft's {@code target_modules} names; {@code all-linear} is every projection of the table. */
    private static List<Integer> select(List<String> modules, LoraTargets targets) {
        List<Integer> selected = new ArrayList<>();
        for (int i = 0; i < targets.targets().size(); i++) {
            LoraTargets.Target target = targets.targets().get(i);
            boolean chosen = modules.contains("all-linear")
                    || modules.stream().anyMatch(m -> target.path().equals(m) || ("." + target.path()).endsWith("." + m));
            if (chosen) {
                selected.add(i);
            }
        }
        for (String module : modules) {
            if (!module.equals("all-linear") && !targets.selects(module)) {
                throw EngineException.invalid("target module '" + module + "' is not a projection of " + targets.architecture()
                        + "; its target modules: " + targets.moduleNames() + " (or all-linear)");
            }
        }
        return List.copyOf(selected);
    }

    /** Positions each row gets in front (virtual tokens). */
    int virtualTokens() {
        if (method != TuningMethod.PROMPT_TUNING) {
            return 0;
        }
        if (continued != null) {
            return Objects.requireNonNullElse(continued.numVirtualTokens(), MethodSettings.DEFAULT_VIRTUAL_TOKENS);
        }
        return Objects.requireNonNullElse(settings.numVirtualTokens(), MethodSettings.DEFAULT_VIRTUAL_TOKENS);
    }

    /** The LoRA dropout of this run: the flag's, else 0.1 for a fresh adapter (peft's example) and off when continuing. */
    double dropout() {
        if (settings.loraDropout() != null) {
            return settings.loraDropout();
        }
        return continued == null ? MethodSettings.DEFAULT_DROPOUT : 0;
    }

    /** The {@code lora_dropout} the written config records: the run's when set, else the continued adapter's. */
    private double recordedDropout() {
        return settings.loraDropout() == null && continued != null ? continued.loraDropout() : dropout();
    }

    /**
     * A fresh adapter as peft initialises it: prompt tuning from the word embeddings of the init text
     * ({@code TEXT}) or N(0, 1) ({@code RANDOM}); LoRA with A uniform and B zero.
     */
    TrainableAdapter fresh(CausalLm model, Tokenizer tokenizer, String modelName, PromptLearningShape shape, long seed) {
        SplittableRandom random = new SplittableRandom(seed + 1);
        if (method == TuningMethod.PROMPT_TUNING) {
            int count = virtualTokens();
            if (settings.initText() == null) {
                return PromptTuningParameters.random(count, shape, random);
            }
            // PromptEmbedding: tokenizer(init_text)["input_ids"], special tokens included.
            int[] ids = tokenizer.encode(settings.initText(), true);
            if (ids.length == 0) {
                throw EngineException.invalid("{0} '" + settings.initText() + "' has no tokens", InputField.INIT_TEXT);
            }
            return PromptTuningParameters.fromText(count, settings.initText(), ids, modelName, shape, model::embeddings);
        }
        int r = Objects.requireNonNullElse(settings.loraR(), MethodSettings.DEFAULT_R);
        double alpha = Objects.requireNonNullElse(settings.loraAlpha(), MethodSettings.DEFAULT_ALPHA);
        return LoraParameters.fresh(targets, selected, r, alpha, Boolean.TRUE.equals(settings.useRslora()), recordedDropout(), random);
    }

    /** The values of {@code loaded} (checked against the model by the adapter loader) as parameters to train further. */
    TrainableAdapter continued(Adapter loaded, CausalLm model, PromptLearningShape shape) {
        return switch (loaded) {
            case PromptTuningAdapter p -> new PromptTuningParameters(new Parameter(PromptTuningParameters.TENSOR,
                    p.virtualTokens().rows(), p.virtualTokens().cols(), model.ops().toFloats(p.virtualTokens())),
                    Objects.requireNonNullElse(continued.promptTuningInit(), "RANDOM"), continued.promptTuningInitText(),
                    continued.tokenizerNameOrPath(), shape);
            case LoraAdapter l -> {
                List<LoraParameters.Module> modules = new ArrayList<>();
                int r = 0;
                for (int layer = 0; layer < targets.layers(); layer++) {
                    for (int t = 0; t < targets.targets().size(); t++) {
                        LoraAdapter.LoraWeights w = l.weights(layer, t);
                        if (w != null) {
                            r = w.a().rows();
                            modules.add(new LoraParameters.Module(layer, t,
                                    new Parameter(targets.weightName(layer, t, true), w.a().rows(), w.a().cols(), model.ops().toFloats(w.a())),
                                    new Parameter(targets.weightName(layer, t, false), w.b().rows(), w.b().cols(), model.ops().toFloats(w.b()))));
                        }
                    }
                }
                Object modulesRecorded = continued.targetModulesPattern() != null ? continued.targetModulesPattern()
                        : continued.targetModules();
                yield new LoraParameters(targets, modules, r, continued.loraAlpha(), continued.useRslora(), recordedDropout(),
                        modulesRecorded);
            }
        };
    }
}
