package dev.peftbench.engine.arch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.LoadProgress;
import dev.peftbench.engine.ModelInfo;
import dev.peftbench.engine.adapter.LoraTargets;
import dev.peftbench.engine.arch.bloom.BloomFamily;
import dev.peftbench.engine.arch.llama.LlamaFamily;
import dev.peftbench.engine.load.TensorInfo;
import dev.peftbench.engine.load.WeightSource;
import dev.peftbench.engine.tensor.TensorOps;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The model families this engine runs, and the one way in: config.json's {@code architectures} picks the family,
 * which reads and checks the config before any weight is read. Other architectures, mixture-of-experts configs and
 * settings a family does not compute (e.g. an unknown RoPE scaling) are refused by name. A new family is its own
 * package (a {@link ModelFamily}, its config, weights and model) and one entry of {@link #FAMILIES}.
 */
public final class Architectures {

    private static final List<ModelFamily<?>> FAMILIES = List.of(new BloomFamily(), new LlamaFamily());

    /** A config this engine can run, checked; {@link #load} builds the model once the weights are open. */
    public interface Plan {
        /** The transformers class, e.g. {@code LlamaForCausalLM}. */
        String architecture();

        /** The projections a LoRA adapter may adapt, known from config.json alone (as the loaded model's). */
        LoraTargets loraTargets();

        /** What peft adapts when a LoRA run names no target modules (its table's row for this model type). */
        List<String> defaultLoraTargetModules();

        CausalLm load(Path dir, WeightSource weights, TensorOps ops, LoadProgress progress);
    }

    /** Keys that only mixture-of-experts configs carry (Mixtral, Qwen2-MoE, Qwen3-MoE, DeepSeek). */
    private static final List<String> EXPERT_KEYS = List.of("num_local_experts", "num_experts", "n_routed_experts",
            "moe_intermediate_size", "num_experts_per_tok");

    private Architectures() {
    }

    /** Every family, in the order they are asked. */
    static List<ModelFamily<?>> families() {
        return FAMILIES;
    }

    /** The class names of every family's architectures, sorted. */
    public static List<String> supported() {
        return families().stream().flatMap(f -> f.architectures().stream()).map(ModelFamily.Architecture::className).sorted().toList();
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
            for (ModelFamily<?> family : families()) {
                for (ModelFamily.Architecture architecture : family.architectures()) {
                    if (architecture.className().equals(a.asText())) {
                        return plan(family, architecture, config, dir);
                    }
                }
            }
        }
        throw EngineException.loadFailed("architecture " + list + " in " + dir + " is not supported; supported: "
                + String.join(", ", supported()));
    }

    private static <C extends ModelFamily.Shape> Plan plan(ModelFamily<C> family, ModelFamily.Architecture architecture,
                                                          JsonNode json, Path folder) {
        C config = family.config(architecture, json);
        LoraTargets targets = family.loraTargets(config);
        List<Integer> eos = family.eosTokenIds(folder, json);
        return new Plan() {
            @Override
            public String architecture() {
                return architecture.className();
            }

            @Override
            public LoraTargets loraTargets() {
                return targets;
            }

            @Override
            public List<String> defaultLoraTargetModules() {
                return architecture.defaultLoraTargetModules();
            }

            @Override
            public CausalLm load(Path dir, WeightSource weights, TensorOps ops, LoadProgress progress) {
                ModelInfo info = new ModelInfo(dir, architecture.className(), parameterCount(weights), storedType(weights),
                        config.vocabSize(), config.hiddenSize(), config.layers(), config.heads(), eos);
                return family.load(config, weights, ops, info, progress);
            }
        };
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
