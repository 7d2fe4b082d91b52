package dev.peftbench.serve.auth;

import dev.peftbench.serve.metrics.ServeMetrics;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;

import java.util.Set;

/**
 * Every gRPC call on both ports passes here first: without the key ({@code authorization: Bearer <key>}
 * metadata) it ends as UNAUTHENTICATED before any message is read. ServerLive and ServerReady are
 * probes, open unless the policy protects them.
 */
public final class ApiKeyInterceptor implements ServerInterceptor {

    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> CHALLENGE = Metadata.Key.of("www-authenticate", Metadata.ASCII_STRING_MARSHALLER);
    private static final Set<String> PROBES = Set.of("inference.GRPCInferenceService/ServerLive",
            "inference.GRPCInferenceService/ServerReady");

    /** The endpoint refused calls are counted under in the error metrics: their method never ran. */
    static final String ENDPOINT = "grpc_auth";

    private final AccessPolicy policy;
    private final ServeMetrics metrics;

    public ApiKeyInterceptor(AccessPolicy policy, ServeMetrics metrics) {
        this.policy = policy;
        this.metrics = metrics;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        String authorization = headers.get(AUTHORIZATION);
        boolean probe = PROBES.contains(call.getMethodDescriptor().getFullMethodName());
        if (policy.admits(probe, authorization, call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR))) {
            return next.startCall(call, headers);
        }
        metrics.requestDone(ENDPOINT, 0);
        metrics.requestFailed(ENDPOINT, Status.Code.UNAUTHENTICATED.name());
        Metadata trailers = new Metadata();
        trailers.put(CHALLENGE, AccessPolicy.CHALLENGE);
        call.close(Status.UNAUTHENTICATED.withDescription(AccessPolicy.refusal(authorization)), trailers);
        return new ServerCall.Listener<>() {
        };
    }
}
