package dev.peftbench.engine;

import dev.peftbench.engine.generate.SamplingParams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Unloads and failed loads hold nothing up and leave nothing behind. */
class EngineLifecycleTest {

    private static final Path MODEL = Golden.FIXTURES.resolve("tiny-bloom");

    private static long engineThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("peftbench-") && !t.getName().startsWith("peftbench-tokenize"))
                .count();
    }

    @Test
    void unloadingABusyModelHoldsUpNeitherStatsNorOtherLoads() throws Exception {
        try (Engine engine = new Engine(new EngineOptions(8, 4, 2))) {
            engine.load("busy", ModelSpec.of(MODEL.toString(), null, null), LoadProgress.NONE);
            CountDownLatch generating = new CountDownLatch(1);
            // a slow consumer keeps the request running for seconds (4096 tokens, 2 ms each at least)
            GenerationHandle endless = engine.submit(GenerationRequest.of("busy", "go on",
                    SamplingParams.DEFAULT.withMaxNewTokens(SamplingParams.MAX_NEW_TOKENS_LIMIT).withEosTokenIds(List.of())),
                    (id, delta) -> {
                        generating.countDown();
                        try {
                            Thread.sleep(2);
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                        }
                    });
            assertTrue(generating.await(30, TimeUnit.SECONDS));
            Thread unload = Thread.ofPlatform().start(() -> engine.unload("busy"));
            Thread.sleep(200);
            assertTrue(unload.isAlive(), "the unload waits for the request in flight");

            long start = System.nanoTime();
            engine.stats();
            assertTrue(System.nanoTime() - start < 500_000_000L, "stats waited for the unload");
            engine.load("other", ModelSpec.of(MODEL.toString(), null, null), LoadProgress.NONE);
            assertTrue(unload.isAlive(), "another load finished while the unload still waited");
            assertTrue(engine.find("busy").isEmpty(), "the unloading name takes no new requests");

            endless.cancel();
            unload.join(30_000);
            assertTrue(!unload.isAlive() && endless.result().isDone());
            assertEquals(List.of("other"), engine.models().stream().map(ServedModel::name).toList());
        }
    }

    private static Path copyOfModel(Path target) throws IOException {
        Files.createDirectories(target);
        try (Stream<Path> files = Files.list(MODEL)) {
            for (Path f : files.toList()) {
                Files.copy(f, target.resolve(f.getFileName()));
            }
        }
        return target;
    }

    @Test
    void failedLoadsLeaveNoThreadsBehind(@TempDir Path dir) throws Exception {
        Path copy = copyOfModel(dir.resolve("tiny"));
        Path truncated = copyOfModel(dir.resolve("truncated"));
        Path weights = truncated.resolve("model.safetensors");
        Files.write(weights, java.util.Arrays.copyOf(Files.readAllBytes(weights), (int) Files.size(weights) / 2));
        try (Engine engine = new Engine(new EngineOptions(8, 4, 2))) {
            long before = engineThreads();
            for (int i = 0; i < 3; i++) {
                // the base loads, then its adapter fails: the fresh base is closed again
                assertThrows(EngineException.class, () -> engine.load("a", ModelSpec.of(copy.toString(), dir.resolve("no-adapter").toString(), null),
                        LoadProgress.NONE));
                // the weights fail half way: the backend's threads are closed again
                assertThrows(EngineException.class, () -> engine.load("b", ModelSpec.of(truncated.toString(), null, null),
                        LoadProgress.NONE));
            }
            Thread.sleep(200);
            assertEquals(before, engineThreads(), "threads left by failed loads");
            assertTrue(engine.models().isEmpty());
        }
    }
}
