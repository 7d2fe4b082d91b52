package dev.peftbench.serve.mmesh;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * The model ModelMesh routes an inference call to. ModelMesh sends {@code mm-model-id-bin} on every
 * call (UTF-8 bytes) and {@code mm-model-id} when the id is ASCII; with id injection it also writes the
 * id into {@code model_name}, without it {@code model_name} is the InferenceService's name and only the
 * header names the loaded model. A plain client sends neither, and {@code model_name} decides.
 */
public final class ModelIdHeader implements ServerInterceptor {

    private static final Metadata.Key<String> ASCII = Metadata.Key.of("mm-model-id", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<byte[]> BINARY = Metadata.Key.of("mm-model-id-bin", Metadata.BINARY_BYTE_MARSHALLER);
    private static final Context.Key<String> MODEL_ID = Context.key("mm-model-id");

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String id = headers.get(ASCII);
        if (id == null && headers.get(BINARY) != null) {
            id = new String(headers.get(BINARY), StandardCharsets.UTF_8);
        }
        if (id == null || id.isBlank()) {
            return next.startCall(call, headers);
        }
        return Contexts.interceptCall(Context.current().withValue(MODEL_ID, id.trim()), call, headers, next);
    }

    /** The model named by the current call's ModelMesh header, if it has one. */
    public static Optional<String> current() {
        return Optional.ofNullable(MODEL_ID.get());
    }

    /** The model a v2 call is for: ModelMesh's header when present, else the request's {@code model_name}. */
    public static String modelFor(String modelName) {
        return current().orElse(modelName);
    }
}
