package dev.peftbench.serve.repository;

import dev.peftbench.engine.GenerationHandle;
import dev.peftbench.engine.GenerationRequest;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.engine.TokenListener;
import dev.peftbench.serve.EngineGateway;
import dev.peftbench.serve.Failure;
import dev.peftbench.serve.ServeException;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The repository API's loads against an engine that records them: limits, failures that change nothing, the off switch. */
class RepositoryApiTest {

    /** Loads what it is given unless the base model's name says "missing"; remembers what it served. */
    private static final class RecordingEngine implements EngineGateway {
        final List<String> loaded = new ArrayList<>();

        @Override
        public GenerationHandle submit(GenerationRequest request, TokenListener listener) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void load(String name, ModelSpec spec) {
            if (spec.baseModel().contains("missing") || (spec.adapter() != null && spec.adapter().contains("missing"))) {
                throw dev.peftbench.engine.EngineException.notFound("no model folder or cached hub id '" + spec.baseModel() + "'");
            }
            loaded.add(name + "=" + spec.baseModel() + "+" + spec.adapter());
        }

        @Override
        public boolean unload(String name) {
            return true;
        }

        @Override
        public int queued() {
            return 0;
        }
    }

    private static ModelRepository repository(EngineGateway engine, LoadPolicy policy) {
        ModelRepository r = new ModelRepository(engine, ModelFields.NONE, Optional.empty(), policy);
        r.register(new ModelSettings("served", ModelFields.of("org/base", "org/adapter")));
        r.loadInBackground("served");
        return r;
    }

    private static void awaitReady(ModelRepository r) throws InterruptedException {
        for (int i = 0; i < 200 && !r.allReady(); i++) {
            Thread.sleep(10);
        }
    }

    @Test
    void theNumberOfNamesIsBounded() throws Exception {
        RecordingEngine engine = new RecordingEngine();
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
    void aFailedReloadLeavesTheModelItsSettingsAndReadiness() throws Exception {
        RecordingEngine engine = new RecordingEngine();
        try (ModelRepository r = repository(engine, LoadPolicy.DEFAULT)) {
            awaitReady(r);
            ServeException e = assertThrows(ServeException.class, () -> r.load("served", ModelFields.of(null, "org/missing")));
            assertEquals(Failure.LOAD_FAILED, e.failure());
            assertTrue(r.allReady());
            assertTrue(r.requireReady("served", null).ready());
            r.load("served", ModelFields.NONE);
            assertEquals("served=org/base+org/adapter", engine.loaded.getLast(), "a later plain load reloads what served");
        }
    }

    @Test
    void aFailedNewNameIsNotRegistered() throws Exception {
        try (ModelRepository r = repository(new RecordingEngine(), LoadPolicy.DEFAULT)) {
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
        try (ModelRepository r = repository(new RecordingEngine(), new LoadPolicy(false, List.of(), true, 8))) {
            awaitReady(r);
            assertEquals(Failure.FORBIDDEN, assertThrows(ServeException.class,
                    () -> r.load("served", ModelFields.NONE)).failure());
            assertEquals(Failure.FORBIDDEN, assertThrows(ServeException.class, () -> r.unload("served")).failure());
            assertTrue(r.requireReady("served", null).ready());
        }
    }
}
