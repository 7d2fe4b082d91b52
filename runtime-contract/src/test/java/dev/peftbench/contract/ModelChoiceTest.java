package dev.peftbench.contract;

import dev.peftbench.contract.ModelChoice.EntryPoint;
import dev.peftbench.contract.ModelChoice.Said;
import dev.peftbench.contract.ModelChoiceCases.Case;
import dev.peftbench.contract.ModelChoiceCases.Src;
import dev.peftbench.engine.hub.HubSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The model-choice rule itself: the table of every entry point, the adapter's base and its relative names. */
class ModelChoiceTest {

    @TempDir
    Path dir;

    /** Each case's sources as {@link Said} holds them: a base model where the case names one, the adapter where it puts it. */
    private static Said said(Case c, String adapter) {
        Said said = Said.NOTHING;
        for (Src s : Src.values()) {
            ModelFields fields = ModelFields.of(c.bases().contains(s) ? ModelChoiceCases.base(s) : null,
                    c.adapterIn() == s ? adapter : null);
            said = switch (s) {
                case REQUEST -> said.withRequest(fields);
                case MODEL_SETTINGS -> said.withModelSettings(fields);
                case FLAGS -> said.withFlags(fields);
                case ENVIRONMENT -> said.withEnvironment(fields);
            };
        }
        return said;
    }

    @Test
    void everyEntryPointChoosesAsTheTableSays() throws IOException {
        String adapter = ModelChoiceCases.adapterWithBase(dir).toString();
        for (EntryPoint entry : EntryPoint.values()) {
            for (Case c : ModelChoiceCases.cases(entry)) {
                String expected = switch (ModelChoiceCases.expectedBase(entry, c)) {
                    case null -> null;
                    case ModelChoiceCases.ADAPTER_BASE -> ModelChoiceCases.adapterBase(dir);
                    case ModelChoiceCases.DEFAULT -> entry.defaults().baseModel();
                    case String base -> base;
                };
                assertEquals(expected, ModelChoice.choose(entry, said(c, adapter)).fields().baseModel(), entry + ", " + c);
            }
        }
    }

    @Test
    void aDefaultsAdapterComesOnlyWithItsBaseModel() {
        Said flagsBase = Said.NOTHING.withFlags(ModelFields.of("mine", null));
        assertNull(ModelChoice.choose(EntryPoint.GENERATE, flagsBase).fields().adapterToLoad());
        assertNull(ModelChoice.choose(EntryPoint.PUBLISH, flagsBase).fields().adapterToLoad());
        ModelChoice.Choice sample = ModelChoice.choose(EntryPoint.GENERATE, Said.NOTHING);
        assertEquals(BundledSample.fields(), sample.fields());
        assertEquals(ModelChoice.Source.DEFAULT, sample.baseModelFrom());
        assertEquals("mine", ModelChoice.choose(EntryPoint.PUBLISH, Said.NOTHING.withFlags(ModelFields.of(null, "mine")))
                .fields().adapter(), "an adapter given alone keeps the default base model");
    }

    /** MLServer's order on ModelMesh's row, the operator's everywhere else: the one named difference. */
    @Test
    void modelSettingsWinOverTheRuntimeOnlyForModelMesh() {
        Said said = Said.NOTHING.withFlags(ModelFields.of("runtime", null).withRuntime(dev.peftbench.engine.ComputeType.FLOAT32, null, null))
                .withModelSettings(ModelFields.of("settings", null).withRuntime(dev.peftbench.engine.ComputeType.BFLOAT16, null, null));
        ModelFields mmesh = ModelChoice.choose(EntryPoint.MODELMESH_LOAD, said).fields();
        assertEquals("settings", mmesh.baseModel());
        assertEquals(dev.peftbench.engine.ComputeType.BFLOAT16, mmesh.dtype());
        ModelFields repository = ModelChoice.choose(EntryPoint.REPOSITORY_LOAD, said).fields();
        assertEquals("runtime", repository.baseModel());
        assertEquals(dev.peftbench.engine.ComputeType.FLOAT32, repository.dtype());
    }

    /** peft writes the name its trainer was given: a sibling, or a path from the project's root. */
    @Test
    void aRelativeBaseNameIsFoundBesideTheAdapterOrAboveIt() throws IOException {
        Path models = Files.createDirectories(dir.resolve("project/sample-data/models"));
        Files.writeString(Files.createDirectories(models.resolve("tiny")).resolve("config.json"), "{}");
        Path sibling = adapter(models.resolve("named-as-sibling"), "tiny");
        Path fromRoot = adapter(models.resolve("named-from-root"), "sample-data/models/tiny");
        String tiny = models.resolve("tiny").toAbsolutePath().normalize().toString();
        assertEquals(tiny, chosenBase(sibling));
        assertEquals(tiny, chosenBase(fromRoot));
    }

    @Test
    void aBaseNameFoundNowhereIsKeptAsWrittenForTheHubCache() throws IOException {
        assertEquals("bigscience/bloomz-560m", chosenBase(adapter(dir.resolve("a"), "bigscience/bloomz-560m")));
        // a folder of that name without a snapshot in it is not a model
        Files.createDirectories(dir.resolve("bigscience/bloomz-560m"));
        assertEquals("bigscience/bloomz-560m", chosenBase(adapter(dir.resolve("b"), "bigscience/bloomz-560m")));
        Path absolute = dir.resolve("elsewhere").toAbsolutePath();
        assertEquals(absolute.toString(), chosenBase(adapter(dir.resolve("c"), absolute.toString())));
    }

    /** An adapter given as a Hub id is read from the Hugging Face cache, never downloaded to choose. */
    @Test
    void aCachedHubAdaptersBaseIsRead() throws IOException {
        Path cache = dir.resolve("hub");
        Path repo = Files.createDirectories(cache.resolve("models--org--adapter"));
        Files.createDirectories(repo.resolve("refs"));
        Files.writeString(repo.resolve("refs/main"), "abc123");
        adapter(repo.resolve("snapshots/abc123"), "org/base");
        HubSettings hub = new HubSettings(URI.create("http://127.0.0.1:9"), null, List.of(cache), true);
        Said said = Said.NOTHING.withFlags(ModelFields.of(null, "org/adapter"));
        assertEquals("org/base", ModelChoice.choose(EntryPoint.GENERATE, said, () -> hub).fields().baseModel());
        Said notCached = Said.NOTHING.withFlags(ModelFields.of(null, "org/other"));
        assertEquals(ModelChoice.Source.DEFAULT, ModelChoice.choose(EntryPoint.GENERATE, notCached, () -> hub).baseModelFrom());
    }

    private static Path adapter(Path folder, String base) throws IOException {
        Files.createDirectories(folder);
        Files.writeString(folder.resolve("adapter_config.json"), "{\"peft_type\": \"LORA\", \"base_model_name_or_path\": \"" + base + "\"}");
        return folder;
    }

    private static String chosenBase(Path adapter) {
        ModelChoice.Choice c = ModelChoice.choose(EntryPoint.SERVE, Said.NOTHING.withFlags(ModelFields.of(null, adapter.toString())));
        return c.fields().baseModel();
    }
}
