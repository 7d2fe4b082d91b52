package dev.peftbench.engine.arch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.Golden;
import dev.peftbench.engine.GoldenRunner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The families {@link Architectures} lists, held against the fixtures: each architecture named by one family, with
 * the model type its snapshots carry, default LoRA targets its layers have, and goldens that run it.
 */
class ModelFamiliesTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static List<ModelFamily.Architecture> architectures() {
        return Architectures.families().stream().flatMap(f -> f.architectures().stream()).toList();
    }

    /** config.json of every fixture model folder (adapters have none), by folder. */
    private static Map<Path, JsonNode> fixtureModels() {
        Map<Path, JsonNode> models = new TreeMap<>();
        for (Path set : Golden.SETS) {
            try (Stream<Path> dirs = Files.list(set)) {
                for (Path dir : dirs.filter(d -> Files.isRegularFile(d.resolve("config.json"))).toList()) {
                    models.put(dir, JSON.readTree(dir.resolve("config.json").toFile()));
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return models;
    }

    @Test
    void everyArchitectureIsNamedByOneFamilyOnly() {
        Set<String> seen = new HashSet<>();
        for (ModelFamily.Architecture a : architectures()) {
            assertTrue(seen.add(a.className()), a.className() + " is named twice");
        }
        assertEquals(seen.stream().sorted().toList(), Architectures.supported());
    }

    /** A new family comes with fixtures: a snapshot of each of its architectures, and goldens run on one of them. */
    @Test
    void everyArchitectureHasAFixtureWithItsModelTypeAndGoldensThatRunIt() {
        Map<Path, JsonNode> models = fixtureModels();
        List<String> goldenModels = Golden.names().map(n -> Golden.read(n).model()).toList();
        for (ModelFamily.Architecture a : architectures()) {
            List<Path> dirs = new ArrayList<>();
            models.forEach((dir, config) -> {
                if (config.path("architectures").path(0).asText().equals(a.className())) {
                    assertEquals(a.modelType(), config.path("model_type").asText(), dir + ": model_type");
                    dirs.add(dir);
                }
            });
            assertTrue(dirs.stream().anyMatch(d -> goldenModels.contains(d.getFileName().toString())),
                    a.className() + ": no golden runs on any of " + dirs);
        }
    }

    /** Every fixture snapshot is planned by the family that names its class, whose default LoRA targets its layers have. */
    @Test
    void everyFixtureIsPlannedAndPeftsDefaultTargetsAreProjectionsOfIt() {
        for (Map.Entry<Path, JsonNode> model : fixtureModels().entrySet()) {
            Architectures.Plan plan = Architectures.plan(model.getValue(), model.getKey());
            assertEquals(model.getValue().path("architectures").path(0).asText(), plan.architecture());
            assertTrue(!plan.defaultLoraTargetModules().isEmpty(), plan.architecture());
            for (String module : plan.defaultLoraTargetModules()) {
                assertTrue(plan.loraTargets().selects(module), plan.architecture() + ": " + module + " is no projection of it");
            }
        }
    }

    /**
     * Each family's eos policy: BLOOM stops at the reference scenario's 3 whatever the snapshot says (the fixtures'
     * generation_config.json says 2), the Llama family at generation_config.json's ids.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {"tiny-bloom | 3", "tiny-llama | 380,383", "tiny-mistral | 2", "tiny-qwen2 | 399,397",
            "tiny-qwen3 | 399,397"})
    void aRequestNamingNoEosIdsStopsWhereTheFamilySays(String model, String expected) {
        List<Integer> ids = Stream.of(expected.split(",")).map(Integer::valueOf).toList();
        try (CausalLm lm = GoldenRunner.load(Golden.folder(model), ComputeType.FLOAT32)) {
            assertEquals(ids, lm.info().eosTokenIds());
        }
    }
}
