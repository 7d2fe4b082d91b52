package dev.peftbench.serve.mmesh;

import dev.peftbench.engine.GenerationHandle;
import dev.peftbench.engine.GenerationRequest;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.engine.TokenListener;
import dev.peftbench.serve.EngineGateway;
import dev.peftbench.serve.mmesh.proto.LoadModelRequest;
import dev.peftbench.serve.mmesh.proto.LoadModelResponse;
import dev.peftbench.serve.mmesh.proto.UnloadModelRequest;
import dev.peftbench.serve.mmesh.proto.UnloadModelResponse;
import dev.peftbench.serve.repository.LoadPolicy;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.serve.repository.ModelRepository;
import io.grpc.stub.StreamObserver;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ModelMesh may send unloadModel while the load of the same id is still running (it gave up, or the
 * id moved). The unload must not overtake the load: weights loaded after it would stay in the engine,
 * unreachable and never freed.
 */
class UnloadDuringLoadTest {

    private static final Path TINY_BLOOM = Path.of("../sample-data/models/tiny-bloom").toAbsolutePath().normalize();

    /** An engine whose load of any model blocks until the test releases it. */
    private static final class SlowLoadingEngine implements EngineGateway {
        final Set<String> loaded = ConcurrentHashMap.newKeySet();
        final CountDownLatch loadStarted = new CountDownLatch(1);
        final CountDownLatch releaseLoad = new CountDownLatch(1);

        @Override
        public void load(String name, ModelSpec spec) {
            loadStarted.countDown();
            try {
                releaseLoad.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            loaded.add(name);
        }

        @Override
        public boolean unload(String name) {
            return loaded.remove(name);
        }

        @Override
        public GenerationHandle submit(GenerationRequest request, TokenListener listener) {
            throw new UnsupportedOperationException("no inference in this test");
        }

        @Override
        public dev.peftbench.engine.score.ScoringHandle submitScores(dev.peftbench.engine.score.ScoreRequest request,
                                                                     dev.peftbench.engine.score.ScoreListener listener) {
            throw new UnsupportedOperationException("no inference in this test");
        }

        @Override
        public int queued() {
            return 0;
        }

        @Override
        public Optional<dev.peftbench.engine.ServedModel> find(String name) {
            return Optional.empty();
        }
    }

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

    @Test
    void unloadWaitsForTheLoadInFlightThenLeavesNothingLoaded() throws Exception {
        SlowLoadingEngine engine = new SlowLoadingEngine();
        try (ModelRepository repository = new ModelRepository(engine, ModelFields.NONE, Optional.empty(), LoadPolicy.DEFAULT)) {
            ModelMeshRuntime runtime = new ModelMeshRuntime(engine, repository, ModelFields.NONE);
            CompletableFuture<LoadModelResponse> load = new CompletableFuture<>();
            CompletableFuture<UnloadModelResponse> unload = new CompletableFuture<>();
            Thread.ofVirtual().start(() -> runtime.loadModel(LoadModelRequest.newBuilder().setModelId("m__isvc-1")
                    .setModelPath(TINY_BLOOM.toString()).build(), into(load)));
            assertTrue(engine.loadStarted.await(10, TimeUnit.SECONDS), "the load never reached the engine");

            Thread.ofVirtual().start(() -> runtime.unloadModel(UnloadModelRequest.newBuilder().setModelId("m__isvc-1").build(),
                    into(unload)));
            Thread.sleep(200);
            assertFalse(unload.isDone(), "the unload answered while the load of the same id was still running");

            engine.releaseLoad.countDown();
            load.get(10, TimeUnit.SECONDS);
            unload.get(10, TimeUnit.SECONDS);
            assertTrue(engine.loaded.isEmpty(), "weights left in the engine after the unload: " + engine.loaded);
        }
    }
}
