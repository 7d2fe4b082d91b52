package dev.peftbench.serve.mmesh;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.engine.Engine;
import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.ServedModel;
import dev.peftbench.serve.ServeException;
import dev.peftbench.serve.mmesh.proto.LoadModelRequest;
import dev.peftbench.serve.mmesh.proto.LoadModelResponse;
import dev.peftbench.serve.mmesh.proto.ModelRuntimeGrpc;
import dev.peftbench.serve.mmesh.proto.ModelSizeRequest;
import dev.peftbench.serve.mmesh.proto.ModelSizeResponse;
import dev.peftbench.serve.mmesh.proto.PredictModelSizeRequest;
import dev.peftbench.serve.mmesh.proto.PredictModelSizeResponse;
import dev.peftbench.serve.mmesh.proto.RuntimeStatusRequest;
import dev.peftbench.serve.mmesh.proto.RuntimeStatusResponse;
import dev.peftbench.serve.mmesh.proto.UnloadModelRequest;
import dev.peftbench.serve.mmesh.proto.UnloadModelResponse;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.serve.repository.ModelRepository;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * ModelMesh's runtime SPI ({@code mmesh.ModelRuntime}, model-runtime.proto) served natively, so a
 * ServingRuntime needs no built-in adapter sidecar and no dummy model name. Semantics follow what
 * ModelMesh does with the answers: runtimeStatus must purge every model ModelMesh may have placed before
 * it answers READY (the models the server was started with stay, their size taken off the capacity), a
 * repeated load answers OK with the size (ALREADY_EXISTS would count as a failure), a failed load is
 * INVALID_ARGUMENT with the reason (it ends up in the InferenceService's status; NOT_FOUND would make
 * ModelMesh look elsewhere), unloading an unknown id succeeds, and a base model shared by several
 * adapters is counted in the size of the load that brought it in.
 */
public final class ModelMeshRuntime extends ModelRuntimeGrpc.ModelRuntimeImplBase {

    private static final Logger LOG = LoggerFactory.getLogger(ModelMeshRuntime.class);
    /** Used when nothing better is known; ModelMesh needs a positive default. */
    static final long DEFAULT_MODEL_SIZE = 256L << 20;
    static final int LOADING_TIMEOUT_MS = 10 * 60 * 1000;

    private final Engine engine;
    private final ModelRepository repository;
    private final ModelFields runtimeDefaults;
    /**
     * Loads and unloads of one id run one at a time, so an unload that arrives while its load is in flight
     * waits for it and then unloads (the contract's "cancels or waits"): otherwise the load would finish
     * after the unload and leave weights in the engine that nobody can reach. Striped, so the locks stay
     * bounded however many ids ModelMesh places over time; ReentrantLock, not synchronized, because the
     * handlers run on virtual threads.
     */
    private final ReentrantLock[] idLocks = new ReentrantLock[64];

    /** @param runtimeDefaults the runtime's own flags and environment (its base model, template...) under each load's */
    public ModelMeshRuntime(Engine engine, ModelRepository repository, ModelFields runtimeDefaults) {
        this.engine = engine;
        this.repository = repository;
        this.runtimeDefaults = runtimeDefaults;
        for (int i = 0; i < idLocks.length; i++) {
            idLocks[i] = new ReentrantLock();
        }
    }

    private <T> T exclusively(String id, Supplier<T> action) {
        ReentrantLock lock = idLocks[Math.floorMod(id.hashCode(), idLocks.length)];
        lock.lock();
        try {
            return action.get();
        } finally {
            lock.unlock();
        }
    }

    private void forget(String id) {
        exclusively(id, () -> {
            repository.forget(id);
            return null;
        });
    }

    @Override
    public void runtimeStatus(RuntimeStatusRequest request, StreamObserver<RuntimeStatusResponse> out) {
        // ModelMesh asks at (re)start and expects none of what it placed before: purge every name loaded
        // at run time. The operator's startup models are not ModelMesh's to drop (readiness counts them).
        for (String name : repository.loadedAtRunTime()) {
            forget(name);
        }
        long held = repository.startupModels().stream().filter(n -> engine.find(n).isPresent()).mapToLong(this::size).sum();
        RuntimeStatusResponse.MethodInfo modelIdInField1 = RuntimeStatusResponse.MethodInfo.newBuilder().addIdInjectionPath(1).build();
        out.onNext(RuntimeStatusResponse.newBuilder()
                .setStatus(RuntimeStatusResponse.Status.READY)
                .setCapacityInBytes(Math.max(DEFAULT_MODEL_SIZE, capacity() - held))
                .setMaxLoadingConcurrency(1)
                .setModelLoadingTimeoutMs(LOADING_TIMEOUT_MS)
                .setDefaultModelSizeInBytes(DEFAULT_MODEL_SIZE)
                .setRuntimeVersion("peft-workbench")
                .putMethodInfos("inference.GRPCInferenceService/ModelInfer", modelIdInField1)
                .putMethodInfos("inference.GRPCInferenceService/ModelMetadata", modelIdInField1)
                .build());
        out.onCompleted();
    }

    /** Weights live on the Java heap (CPU backend): what the heap may grow to, less a reserve for activations. */
    static long capacity() {
        long heap = Runtime.getRuntime().maxMemory();
        long usable = heap == Long.MAX_VALUE ? 4L << 30 : heap - Math.min(heap / 5, 1L << 30);
        return Math.max(usable, Math.max(2 * DEFAULT_MODEL_SIZE, Math.min(512L << 20, 10 * DEFAULT_MODEL_SIZE)));
    }

    @Override
    public void loadModel(LoadModelRequest request, StreamObserver<LoadModelResponse> out) {
        String id = request.getModelId();
        try {
            if (id.isBlank()) {
                throw ServeException.badRequest("loadModel needs a modelId");
            }
            long size = exclusively(id, () -> {
                boolean loaded = repository.index().stream().anyMatch(s -> s.name().equals(id) && s.ready());
                if (!loaded) {
                    ModelFields fields = ModelLocation.fields(request.getModelPath(), runtimeDefaults);
                    LOG.info("ModelMesh loads '{}' from {} (base {}, adapter {}, dtype {})", id, request.getModelPath(),
                            fields.baseModel(), fields.adapterToLoad(), fields.dtype());
                    try {
                        repository.loadChosen(id, fields);
                    } catch (RuntimeException e) {
                        repository.forget(id);
                        throw e;
                    }
                }
                return size(id);
            });
            out.onNext(LoadModelResponse.newBuilder().setSizeInBytes(size).build());
            out.onCompleted();
        } catch (RuntimeException e) {
            // Every failed load is the model's, answered with the reason: never "not found" (ModelMesh would
            // retry elsewhere) and never a bare INTERNAL or reset stream (the reason would be lost).
            String reason = e instanceof ServeException se ? se.getMessage() : ServeException.from(e).getMessage();
            LOG.warn("ModelMesh's load of '{}' from {} failed: {}", id, request.getModelPath(), reason);
            out.onError(Status.INVALID_ARGUMENT.withDescription(reason).asRuntimeException());
        }
    }

    @Override
    public void unloadModel(UnloadModelRequest request, StreamObserver<UnloadModelResponse> out) {
        forget(request.getModelId());
        out.onNext(UnloadModelResponse.getDefaultInstance());
        out.onCompleted();
    }

    @Override
    public void predictModelSize(PredictModelSizeRequest request, StreamObserver<PredictModelSizeResponse> out) {
        // 500 ms and maybe a remote path: use what modelKey says about the files, never read them.
        long size = DEFAULT_MODEL_SIZE;
        try {
            JsonNode key = new ObjectMapper().readTree(request.getModelKey().isBlank() ? "{}" : request.getModelKey());
            if (key.path("disk_size_bytes").asLong(0) > 0) {
                size = key.path("disk_size_bytes").asLong();
            }
        } catch (IOException ignored) {
            // A lenient key that is not JSON: keep the default.
        }
        out.onNext(PredictModelSizeResponse.newBuilder().setSizeInBytes(size).build());
        out.onCompleted();
    }

    @Override
    public void modelSize(ModelSizeRequest request, StreamObserver<ModelSizeResponse> out) {
        if (engine.find(request.getModelId()).isEmpty()) {
            out.onError(Status.NOT_FOUND.withDescription("model '" + request.getModelId() + "' is not loaded").asRuntimeException());
            return;
        }
        out.onNext(ModelSizeResponse.newBuilder().setSizeInBytes(size(request.getModelId())).build());
        out.onCompleted();
    }

    /** The base model's weights unless another loaded id already holds the same base, plus the adapter's files. */
    long size(String id) {
        ServedModel model = engine.find(id).orElse(null);
        if (model == null) {
            return DEFAULT_MODEL_SIZE;
        }
        boolean shared = engine.models().stream()
                .anyMatch(m -> !m.name().equals(id) && m.base().dir().equals(model.base().dir())
                        && m.spec().dtype() == model.spec().dtype());
        // Weights are kept in the compute type (float32, or a 16-bit type packed from the checkpoint); eighths of a byte.
        long eighthsPerWeight = switch (model.spec().dtype()) {
            case FLOAT32 -> 32;
            case BFLOAT16, FLOAT16 -> 16;
            case INT8 -> 8;
            case Q4 -> 4;
        };
        long base = shared ? 0 : model.base().parameterCount() * eighthsPerWeight / 8;
        long adapter = model.adapter().map(a -> filesSize(a.dir())).orElse(0L);
        return Math.max(1, base + adapter);
    }

    private static long filesSize(Path dir) {
        if (dir == null) {
            return 0;
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(Files::isRegularFile).mapToLong(f -> f.toFile().length()).sum();
        } catch (IOException e) {
            return 0;
        }
    }
}
