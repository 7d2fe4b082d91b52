package dev.peftbench.engine;

import dev.peftbench.engine.generate.SamplingParams;
import dev.peftbench.engine.hub.DownloadProgress;
import dev.peftbench.engine.hub.FakeHub;
import dev.peftbench.engine.hub.HubSettings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every entry point loads through Engine.load: a Hub id missing from the cache is fetched there, once. */
@Timeout(60)
class EngineHubLoadTest {

    private static final Path MODEL = Golden.FIXTURES.resolve("tiny-bloom");
    private static final Path ADAPTER = Golden.FIXTURES.resolve("tiny-bloom-prompt-tuning");
    private static final SamplingParams PARAMS = SamplingParams.DEFAULT.withEosTokenIds(List.of());

    @TempDir
    Path cache;
    private final FakeHub hub = FakeHub.start().serve("bigscience/tiny-bloom", MODEL).serve("aipipeline/tiny-pt", ADAPTER);

    @AfterEach
    void stop() {
        hub.close();
    }

    private static List<Integer> generate(Engine engine, String base, String adapter) {
        engine.load("m", ModelSpec.of(base, adapter, null), LoadProgress.NONE);
        return engine.generate(GenerationRequest.of("m", "Every day is a new day", PARAMS), TokenListener.NONE).generatedTokenIds();
    }

    @Test
    void hubIdsMissingFromTheCacheAreDownloadedAndGenerateWhatTheFoldersGenerate() {
        List<Integer> fromFolders;
        try (Engine engine = new Engine(new EngineOptions(8, 4, 2))) {
            fromFolders = generate(engine, MODEL.toString(), ADAPTER.toString());
        }
        List<DownloadProgress> heard = new CopyOnWriteArrayList<>();
        HubSettings settings = new HubSettings(hub.endpoint(), null, List.of(cache), false);
        try (Engine engine = new Engine(new EngineOptions(8, 4, 2), settings)) {
            engine.load("m", ModelSpec.of("bigscience/tiny-bloom", "aipipeline/tiny-pt", null), new LoadProgress() {
                @Override
                public void report(double fraction, String message) {
                }

                @Override
                public void downloading(DownloadProgress progress) {
                    heard.add(progress);
                }
            });
            assertEquals(fromFolders, engine.generate(GenerationRequest.of("m", "Every day is a new day", PARAMS), TokenListener.NONE)
                    .generatedTokenIds());
        }
        assertTrue(heard.stream().anyMatch(p -> p.repo().value().equals("bigscience/tiny-bloom") && p.fraction() == 1.0), heard.toString());
        assertTrue(heard.stream().anyMatch(p -> p.repo().value().equals("aipipeline/tiny-pt")), heard.toString());

        // Now cached: the next engine loads them without asking the Hub anything.
        int requests = hub.requests().size();
        try (Engine engine = new Engine(new EngineOptions(8, 4, 2), settings)) {
            assertEquals(fromFolders, generate(engine, "bigscience/tiny-bloom", "aipipeline/tiny-pt"));
        }
        assertEquals(requests, hub.requests().size());
    }

    @Test
    void offlineTheEngineAsksNothingAndSaysWhatIsMissing() {
        try (Engine engine = new Engine(new EngineOptions(8, 4, 2), new HubSettings(hub.endpoint(), null, List.of(cache), true))) {
            EngineException e = assertThrows(EngineException.class,
                    () -> engine.load("m", ModelSpec.of("bigscience/tiny-bloom", null, null), LoadProgress.NONE));
            assertEquals(EngineException.Kind.NOT_FOUND, e.kind());
            assertTrue(e.getMessage().contains("bigscience/tiny-bloom") && e.getMessage().contains("HF_HUB_OFFLINE"), e.getMessage());
            assertFalse(engine.find("m").isPresent());
        }
        assertEquals(List.of(), hub.requests());
    }

    @Test
    void anIdTheHubDoesNotHaveIsNotFoundNamingTheFolderAndTheHub() {
        try (Engine engine = new Engine(new EngineOptions(8, 4, 2), new HubSettings(hub.endpoint(), null, List.of(cache), false))) {
            EngineException e = assertThrows(EngineException.class,
                    () -> engine.load("m", ModelSpec.of("models/tiny-blom", null, null), LoadProgress.NONE));
            assertEquals(EngineException.Kind.NOT_FOUND, e.kind());
            assertTrue(e.getMessage().contains("does not exist") && e.getMessage().contains("models/tiny-blom")
                    && e.getMessage().contains(hub.endpoint().toString()), e.getMessage());
        }
    }
}
