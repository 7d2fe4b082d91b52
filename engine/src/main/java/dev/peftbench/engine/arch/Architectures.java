package dev.peftbench.engine.arch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.LoadProgress;
import dev.peftbench.engine.ModelInfo;
import dev.peftbench.engine.adapter.LoraTargets;
import dev.peftbench.engine.arch.bloom.BloomConfig;
import dev.peftbench.engine.arch.bloom.BloomModel;
import dev.peftbench.engine.arch.llama.LlamaConfig;
import dev.peftbench.engine.arch.llama.LlamaModel;
import dev.peftbench.engine.load.GenerationConfig;
import dev.peftbench.engine.load.TensorInfo;
import dev.peftbench.engine.load.WeightSource;
import dev.peftbench.engine.tensor.TensorOps;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Maps config.json's {@code architectures} to the implementations this engine has and checks the
 * config before any weight is read: other architectures, mixture-of-experts configs and settings an
 * implementation does not compute (e.g. an unknown RoPE scaling) are refused by name.
 */
public final class Architectures {

    /** A config this engine can run, checked; {@link #load} builds the model once the weights are open. */
    public interface Plan {
        String architecture();

        /** The projections a LoRA adapter may adapt, known from config.json alone (as the loaded model's). */
        LoraTargets loraTargets();

        CausalLm load(Path dir, WeightSource weights, TensorOps ops, LoadProgress progress);
    }

    private static final List<String> LLAMA_FAMILY = List.of(
            "LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM", "Qwen3ForCausalLM");

    @FunctionalInterface
    private interface Planner {
        Plan plan(String architecture, JsonNode config, Path dir);
    }

    private static final Map<String, Planner> PLANNERS = planners();

    /** Keys that only mixture-of-experts configs carry (Mixtral, Qwen2-MoE, Qwen3-MoE, DeepSeek). */
    private static final List<String> EXPERT_KEYS = List.of("num_local_experts", "num_experts", "n_routed_experts",
            "moe_intermediate_size", "num_experts_per_tok");

    private Architectures() {
    }

    private static Map<String, Planner> planners() {
        Map<String, Planner> planners = new TreeMap<>();
        planners.put("BloomForCausalLM", Architectures::bloom);
        LLAMA_FAMILY.forEach(name -> planners.put(name, Architectures::llama));
        return Map.copyOf(planners);
    }

    public static List<String> supported() {
        return PLANNERS.keySet().stream().sorted().toList();
    }

    /**
     * The plan for the first entry of {@code architectures} this engine knows, its config checked; a
     * LOAD_FAILED naming what is not supported otherwise.
     */
    public static Plan plan(JsonNode config, Path dir) {
        JsonNode list = config.path("architectures");
        if (!list.isArray() || list.isEmpty()) {
            throw EngineException.loadFailed("config.json in " + dir + " names no 'architectures'; supported: " + supported());
        }
        for (String key : EXPERT_KEYS) {
            JsonNode value = config.get(key);
            if (value != null && value.isNumber() && value.intValue() > 0) {
                throw EngineException.loadFailed(list + " in " + dir + " is a mixture-of-experts model (" + key + " = " + value
                        + "); mixture-of-experts models are not supported");
            }
        }
        for (JsonNode a : list) {
            Planner planner = PLANNERS.get(a.asText());
            if (planner != null) {
                return planner.plan(a.asText(), config, dir);
            }
        }
        throw EngineException.loadFailed("architecture " + list + " in " + dir + " is not supported; supported: "
                + String.join(", ", supported()));
    }

    private record Checked<C>(String architecture, C config, LoraTargets loraTargets, Loader<C> loader) implements Plan {
        @Override
        public CausalLm load(Path dir, WeightSource weights, TensorOps ops, LoadProgress progress) {
            return loader.load(config, dir, weights, ops, progress);
        }
    }

    @FunctionalInterface
    private interface Loader<C> {
        CausalLm load(C config, Path dir, WeightSource weights, TensorOps ops, LoadProgress progress);
    }

    /**
     * BLOOM stops at id 3 unless a request names other ids: the reference scenario's {@code eos_token_id=3}
     * (its runtime passes it to every {@code generate()}), kept as this engine's BLOOM default.
     */
    private static Plan bloom(String architecture, JsonNode json, Path folder) {
        BloomConfig config = BloomConfig.from(json);
        return new Checked<>(architecture, config, BloomModel.loraTargets(config), (c, dir, weights, ops, progress) -> new BloomModel(c, ops, weights,
                info(dir, architecture, weights, c.vocabSize(), c.hiddenSize(), c.layers(), c.heads(), List.of(3)), progress));
    }

    /** The Llama family stops where transformers' {@code generate()} does: {@code generation_config.json}'s eos ids. */
    private static Plan llama(String architecture, JsonNode json, Path folder) {
        List<Integer> eos = GenerationConfig.eosTokenIds(folder, json);
        LlamaConfig config = LlamaConfig.from(json, architecture);
        return new Checked<>(architecture, config, LlamaModel.loraTargets(config), (c, dir, weights, ops, progress) -> new LlamaModel(c, ops,
                weights, info(dir, architecture, weights, c.vocabSize(), c.hiddenSize(), c.layers(), c.heads(), eos), progress));
    }

    private static ModelInfo info(Path dir, String architecture, WeightSource weights, int vocab, int hidden, int layers, int heads,
                                  List<Integer> eosTokenIds) {
        return new ModelInfo(dir, architecture, parameterCount(weights), storedType(weights), vocab, hidden, layers, heads,
                eosTokenIds);
    }

    private static long parameterCount(WeightSource w) {
        long total = 0;
        for (String name : w.names()) {
            total += w.info(name).elementCount();
        }
        return total;
    }

    /** The most common stored element type, e.g. "F32" or "BF16". */
    private static String storedType(WeightSource w) {
        Map<String, Long> counts = new TreeMap<>();
        for (String name : w.names()) {
            TensorInfo info = w.info(name);
            counts.merge(info.dtype().name(), info.elementCount(), Long::sum);
        }
        return counts.entrySet().stream().max(Map.Entry.comparingByValue()).map(Map.Entry::getKey).orElse("?");
    }
}
