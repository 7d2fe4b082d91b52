package dev.peftbench.serve.v2.grpc;

import dev.peftbench.contract.ModelFields;
import dev.peftbench.engine.GenerationResult;
import dev.peftbench.engine.score.LabelScores;
import dev.peftbench.serve.Failure;
import dev.peftbench.serve.SamplingFields;
import dev.peftbench.serve.ServeException;
import dev.peftbench.serve.TextGeneration;
import dev.peftbench.serve.health.ServerHealth;
import dev.peftbench.serve.metrics.ServeMetrics;
import dev.peftbench.serve.mmesh.ModelIdHeader;
import dev.peftbench.serve.repository.ModelRepository;
import dev.peftbench.serve.repository.ModelStatus;
import dev.peftbench.serve.v2.InferResponse;
import dev.peftbench.serve.v2.ModelMetadata;
import dev.peftbench.serve.v2.ScoreResponse;
import dev.peftbench.serve.v2.V2Parameters;
import dev.peftbench.serve.v2.grpc.proto.GRPCInferenceServiceGrpc;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ModelInferRequest;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ModelInferResponse;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ModelMetadataRequest;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ModelMetadataResponse;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ModelReadyRequest;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ModelReadyResponse;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.RepositoryIndexRequest;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.RepositoryIndexResponse;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.RepositoryModelLoadRequest;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.RepositoryModelLoadResponse;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.RepositoryModelUnloadRequest;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.RepositoryModelUnloadResponse;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ServerLiveRequest;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ServerLiveResponse;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ServerMetadataRequest;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ServerMetadataResponse;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ServerReadyRequest;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ServerReadyResponse;
import io.grpc.Context;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;

import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * {@code inference.GRPCInferenceService} (inference_grpc.md) plus the repository RPCs. Errors are gRPC
 * statuses from {@link Failure}: INVALID_ARGUMENT, NOT_FOUND, UNAVAILABLE, RESOURCE_EXHAUSTED, and
 * INTERNAL only for our own faults.
 */
public final class InferenceGrpcService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {

    private final ServerHealth health;
    private final ModelRepository repository;
    private final TextGeneration generation;
    private final ServeMetrics metrics;

    public InferenceGrpcService(ServerHealth health, ModelRepository repository, TextGeneration generation,
                                ServeMetrics metrics) {
        this.health = health;
        this.repository = repository;
        this.generation = generation;
        this.metrics = metrics;
    }

    @Override
    public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
        answer("grpc_ServerLive", out, () -> ServerLiveResponse.newBuilder().setLive(health.live()).build());
    }

    @Override
    public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
        answer("grpc_ServerReady", out, () -> ServerReadyResponse.newBuilder().setReady(health.ready()).build());
    }

    @Override
    public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
        answer("grpc_ModelReady", out, () -> ModelReadyResponse.newBuilder()
                .setReady(repository.requireKnown(ModelIdHeader.modelFor(request.getName()), request.getVersion()).ready()).build());
    }

    @Override
    public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> out) {
        answer("grpc_ServerMetadata", out, () -> ServerMetadataResponse.newBuilder()
                .setName(ServerHealth.SERVER_NAME).setVersion(health.version())
                .addAllExtensions(ServerHealth.EXTENSIONS).build());
    }

    @Override
    public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
        answer("grpc_ModelMetadata", out, () -> {
            ModelMetadata m = ModelMetadata.of(repository.requireKnown(ModelIdHeader.modelFor(request.getName()),
                    request.getVersion()));
            return ModelMetadataResponse.newBuilder().setName(m.name()).addAllVersions(m.versions())
                    .setPlatform(m.platform()).addInputs(tensor(ModelMetadata.INPUT))
                    .addOutputs(tensor(ModelMetadata.OUTPUT)).build();
        });
    }

    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
        answer("grpc_ModelInfer", out, () -> {
            String model = ModelIdHeader.modelFor(request.getModelName());
            String version = request.getModelVersion().isEmpty() ? null : request.getModelVersion();
            ModelStatus found = repository.requireKnown(model, version);
            GrpcInferCodec.Decoded decoded = GrpcInferCodec.decode(request);
            SamplingFields parameters = V2Parameters.of(decoded.request().parameters());
            // a client that cancels, or whose deadline passes, stops generation
            BooleanSupplier callerGone = callerGone(out, Context.current());
            if (decoded.request().scoring()) {
                LabelScores scores = generation.scoreAll(found, decoded.request().texts(), decoded.request().labels(), parameters,
                        callerGone);
                return GrpcInferCodec.encode(ScoreResponse.of(model, version, decoded.request().id(), scores), decoded.raw());
            }
            List<GenerationResult> results = generation.generateAll(found, decoded.request().texts(), parameters, callerGone);
            InferResponse answer = new InferResponse(model, version, decoded.request().id(),
                    results.stream().map(GenerationResult::text).toList());
            return GrpcInferCodec.encode(answer, decoded.raw());
        });
    }

    @Override
    public void repositoryModelLoad(RepositoryModelLoadRequest request, StreamObserver<RepositoryModelLoadResponse> out) {
        answer("grpc_RepositoryModelLoad", out, () -> {
            ModelStatus s = repository.load(request.getModelName(), ModelFields.NONE);
            return RepositoryModelLoadResponse.newBuilder().setModelName(s.name()).setIsLoaded(s.ready()).build();
        });
    }

    @Override
    public void repositoryModelUnload(RepositoryModelUnloadRequest request,
                                      StreamObserver<RepositoryModelUnloadResponse> out) {
        answer("grpc_RepositoryModelUnload", out, () -> {
            ModelStatus s = repository.unload(request.getModelName());
            return RepositoryModelUnloadResponse.newBuilder().setModelName(s.name()).setIsUnloaded(!s.ready()).build();
        });
    }

    @Override
    public void repositoryIndex(RepositoryIndexRequest request, StreamObserver<RepositoryIndexResponse> out) {
        answer("grpc_RepositoryIndex", out, () -> {
            RepositoryIndexResponse.Builder b = RepositoryIndexResponse.newBuilder();
            for (ModelStatus s : repository.index()) {
                if (!request.getReady() || s.ready()) {
                    b.addModels(RepositoryIndexResponse.ModelIndex.newBuilder().setName(s.name())
                            .setVersion(s.version() == null ? "" : s.version())
                            .setState(s.state().name()).setReason(s.reason()));
                }
            }
            return b.build();
        });
    }

    /** The call was cancelled by its client, or the client's deadline passed (grpc-java cancels the context then). */
    private static BooleanSupplier callerGone(StreamObserver<?> out, Context context) {
        return () -> context.isCancelled() || (out instanceof ServerCallStreamObserver<?> call && call.isCancelled());
    }

    private <T> void answer(String endpoint, StreamObserver<T> out, Supplier<T> body) {
        long start = System.nanoTime();
        try {
            T value = body.get();
            out.onNext(value);
            out.onCompleted();
        } catch (RuntimeException e) {
            ServeException se = ServeException.from(e);
            if (se.failure() == Failure.CANCELLED) {
                metrics.requestCancelled(endpoint);
            } else {
                metrics.requestFailed(endpoint, se.failure().grpcCode().name());
            }
            try {
                out.onError(Status.fromCode(se.failure().grpcCode()).withDescription(se.getMessage()).asRuntimeException());
            } catch (RuntimeException callAlreadyClosed) {
                // the client cancelled: nobody is left to tell
            }
        } finally {
            metrics.requestDone(endpoint, (System.nanoTime() - start) / 1e9);
        }
    }

    private static ModelMetadataResponse.TensorMetadata tensor(ModelMetadata.Tensor t) {
        return ModelMetadataResponse.TensorMetadata.newBuilder().setName(t.name()).setDatatype(t.datatype())
                .addAllShape(t.shape()).build();
    }
}
