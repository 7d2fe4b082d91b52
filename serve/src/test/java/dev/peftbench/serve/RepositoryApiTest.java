package dev.peftbench.serve;

import dev.peftbench.engine.Engine;
import dev.peftbench.engine.EngineOptions;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.engine.hub.FakeHub;
import dev.peftbench.engine.hub.HubSettings;
import dev.peftbench.serve.repository.LoadPolicy;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.serve.repository.ModelRepository;
import dev.peftbench.serve.repository.ModelSettings;
import dev.peftbench.serve.repository.ModelState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The repository API's loads on a real engine, whose Hub (a local one) holds org/base, org/other and org/adapter, not
 * org/missing: limits, failures that change nothing, the off switch.
 */
class RepositoryApiTest {

    private static FakeHub hub;
    private static Engine engine;

    @BeforeAll
    static void start() throws IOException {
        hub = FakeHub.start().serve("org/base", TestEngines.TINY_BLOOM).serve("org/other", TestEngines.TINY_BLOOM)
                .serve("org/adapter", TestEngines.SAMPLE.resolve("tiny-bloom-prompt-tuning"));
        engine = new Engine(new EngineOptions(8, 4, 1),
                new HubSettings(hub.endpoint(), null, List.of(Files.createTempDirectory("peftbench-hub-cache")), false));
    }

    @AfterAll
    static void stop() {
        engine.close();
        hub.close();
    }

    private static ModelRepository repository(Engine engine, LoadPolicy policy) {
        ModelRepository r = new ModelRepository(engine, ModelFields.NONE, Optional.empty(), policy);
        r.register(new ModelSettings("served", ModelFields.of("org/base", "org/adapter")));
        r.loadInBackground("served");
        return r;
    }

    private static void awaitReady(ModelRepository r) throws InterruptedException {
        for (int i = 0; i < 3000 && !r.allReady(); i++) {
            Thread.sleep(10);
        }
    }

    @Test
    void theNumberOfNamesIsBounded() throws Exception {
        try (ModelRepository r = repository(engine, new LoadPolicy(true, List.of(), true, 2))) {
            awaitReady(r);
            r.load("second", ModelFields.of("org/base", null));
            ServeException full = assertThrows(ServeException.class, () -> r.load("third", ModelFields.of("org/base", null)));
            assertEquals(Failure.CONFLICT, full.failure());
            assertTrue(full.getMessage().contains("--max-models"), full.getMessage());
            r.load("second", ModelFields.of("org/other", null));
            assertEquals(2, r.index().size(), "a reload takes no new place");
        }
    }

    @Test
    void unloadingANameLoadedAtRunTimeFreesItsPlace() throws Exception {
        try (ModelRepository r = repository(engine, new LoadPolicy(true, List.of(), true, 2))) {
            awaitReady(r);
            for (int i = 0; i < 10; i++) {
                r.load("extra-" + i, ModelFields.of("org/base", null));
                r.unload("extra-" + i);
            }
            assertEquals(List.of("served"), r.index().stream().map(s -> s.name()).toList(), "unloaded names leave the index");
            r.unload("served");
            assertEquals(ModelState.UNAVAILABLE, r.requireKnown("served", null).state(), "a startup model stays listed");
            r.load("served", ModelFields.NONE);
            assertTrue(r.allReady());
        }
    }

    @Test
    void aFailedReloadLeavesTheModelItsSettingsAndReadiness() throws Exception {
        try (ModelRepository r = repository(engine, LoadPolicy.DEFAULT)) {
            awaitReady(r);
            ServeException e = assertThrows(ServeException.class, () -> r.load("served", ModelFields.of(null, "org/missing")));
            assertEquals(Failure.LOAD_FAILED, e.failure());
            assertTrue(r.allReady());
            assertTrue(r.requireKnown("served", null).ready());
            r.load("served", ModelFields.NONE);
            ModelSpec served = engine.find("served").orElseThrow().spec();
            assertEquals("org/base+org/adapter", served.baseModel() + "+" + served.adapter(), "a later plain load reloads what served");
        }
    }

    @Test
    void aFailedNewNameIsNotRegistered() throws Exception {
        try (ModelRepository r = repository(engine, LoadPolicy.DEFAULT)) {
            awaitReady(r);
            for (int i = 0; i < 100; i++) {
                int n = i;
                assertThrows(ServeException.class, () -> r.load("bogus-" + n, ModelFields.of("org/missing", null)));
            }
            assertEquals(1, r.index().size());
            assertTrue(r.allReady());
            ServeException unknown = assertThrows(ServeException.class, () -> r.requireKnown("bogus-1", null));
            assertEquals(Failure.NOT_FOUND, unknown.failure());
        }
    }

    @Test
    void aSwitchedOffRepositoryApiRefusesLoadAndUnloadButServes() throws Exception {
        try (ModelRepository r = repository(engine, new LoadPolicy(false, List.of(), true, 8))) {
            awaitReady(r);
            assertEquals(Failure.FORBIDDEN, assertThrows(ServeException.class,
                    () -> r.load("served", ModelFields.NONE)).failure());
            assertEquals(Failure.FORBIDDEN, assertThrows(ServeException.class, () -> r.unload("served")).failure());
            assertTrue(r.requireKnown("served", null).ready());
        }
    }
}
