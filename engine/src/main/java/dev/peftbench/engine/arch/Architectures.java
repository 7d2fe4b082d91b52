package dev.peftbench.engine.arch;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.LoadProgress;
import dev.peftbench.engine.ModelInfo;
import dev.peftbench.engine.arch.bloom.BloomConfig;
import dev.peftbench.engine.arch.bloom.BloomModel;
import dev.peftbench.engine.load.TensorInfo;
import dev.peftbench.engine.load.WeightSource;
import dev.peftbench.engine.tensor.TensorOps;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/** Maps config.json's {@code architectures} to the implementations this engine has, refusing others by name. */
public final class Architectures {

    /** What one architecture needs to build a model. */
    public record Request(Path dir, JsonNode config, WeightSource weights, TensorOps ops, LoadProgress progress) {
    }

    private static final Map<String, Function<Request, CausalLm>> BUILDERS = Map.of(
            "BloomForCausalLM", Architectures::bloom);

    private Architectures() {
    }

    public static List<String> supported() {
        return BUILDERS.keySet().stream().sorted().toList();
    }

    /** The first entry of {@code architectures} this engine knows, or a LOAD_FAILED naming what is supported. */
    public static String pick(JsonNode config, Path dir) {
        JsonNode list = config.path("architectures");
        if (!list.isArray() || list.isEmpty()) {
            throw EngineException.loadFailed("config.json in " + dir + " names no 'architectures'; supported: " + supported());
        }
        for (JsonNode a : list) {
            if (BUILDERS.containsKey(a.asText())) {
                return a.asText();
            }
        }
        throw EngineException.loadFailed("architecture " + list + " in " + dir + " is not supported; supported: "
                + String.join(", ", supported()));
    }

    public static CausalLm load(String architecture, Request request) {
        return BUILDERS.get(architecture).apply(request);
    }

    private static CausalLm bloom(Request r) {
        BloomConfig config = BloomConfig.from(r.config());
        ModelInfo info = new ModelInfo(r.dir(), "BloomForCausalLM", parameterCount(r.weights()),
                storedType(r.weights()), config.vocabSize(), config.hiddenSize(), config.layers(), config.heads());
        return new BloomModel(config, r.ops(), r.weights(), info, r.progress());
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
