package dev.peftbench.serve.mmesh;

import dev.peftbench.engine.Engine;
import dev.peftbench.engine.EngineOptions;
import dev.peftbench.engine.hub.FakeHub;
import dev.peftbench.engine.hub.HubSettings;
import dev.peftbench.serve.mmesh.proto.LoadModelRequest;
import dev.peftbench.serve.mmesh.proto.LoadModelResponse;
import dev.peftbench.serve.mmesh.proto.UnloadModelRequest;
import dev.peftbench.serve.mmesh.proto.UnloadModelResponse;
import dev.peftbench.serve.repository.LoadPolicy;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.serve.repository.ModelRepository;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ModelMesh may send unloadModel while the load of the same id is still running (it gave up, or the
 * id moved). The unload must not overtake the load: weights loaded after it would stay in the engine,
 * unreachable and never freed.
 */
class UnloadDuringLoadTest {

    private static final Path SAMPLE = Path.of("../sample-data/models").toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    /** Completes a future with the answer or the error, as a gRPC client would see it. */
    static <T> StreamObserver<T> into(CompletableFuture<T> answer) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
                answer.complete(value);
            }

            @Override
            public void onError(Throwable t) {
                answer.completeExceptionally(t);
            }

            @Override
            public void onCompleted() {
            }
        };
    }

    /** The runtime's base is a Hub id whose weights the (local) Hub holds back until the test lets them go. */
    @Test
    void unloadWaitsForTheLoadInFlightThenLeavesNothingLoaded() throws Exception {
        try (FakeHub hub = FakeHub.start().serve("bigscience/tiny-bloom", SAMPLE.resolve("tiny-bloom"));
             Engine engine = new Engine(new EngineOptions(8, 4, 1),
                     new HubSettings(hub.endpoint(), null, List.of(tmp.resolve("cache")), false))) {
            CountDownLatch releaseLoad = hub.holdAfter("model.safetensors", 1000);
            ModelFields runtimeDefaults = ModelFields.of("bigscience/tiny-bloom", null);
            try (ModelRepository repository = new ModelRepository(engine, runtimeDefaults, Optional.empty(), LoadPolicy.DEFAULT)) {
                ModelMeshRuntime runtime = new ModelMeshRuntime(engine, repository, runtimeDefaults);
                CompletableFuture<LoadModelResponse> load = new CompletableFuture<>();
                CompletableFuture<UnloadModelResponse> unload = new CompletableFuture<>();
                Thread.ofVirtual().start(() -> runtime.loadModel(LoadModelRequest.newBuilder().setModelId("m__isvc-1")
                        .setModelPath(SAMPLE.resolve("tiny-bloom-prompt-tuning").toString()).build(), into(load)));
                long start = System.nanoTime();
                // the weights' metadata asked for (a request is listed once answered: the held GET comes after)
                while (hub.requests().stream().noneMatch(r -> r.path().endsWith("/model.safetensors"))
                        && System.nanoTime() - start < 10_000_000_000L) {
                    Thread.sleep(10);
                }
                assertTrue(hub.requests().stream().anyMatch(r -> r.path().endsWith("/model.safetensors")),
                        "the load never reached the weights: " + hub.requests());

                Thread.ofVirtual().start(() -> runtime.unloadModel(UnloadModelRequest.newBuilder().setModelId("m__isvc-1").build(),
                        into(unload)));
                Thread.sleep(200);
                assertFalse(unload.isDone(), "the unload answered while the load of the same id was still running");

                releaseLoad.countDown();
                load.get(30, TimeUnit.SECONDS);
                unload.get(30, TimeUnit.SECONDS);
                assertEquals(List.of(), engine.models(), "weights left in the engine after the unload");
            }
        }
    }
}
