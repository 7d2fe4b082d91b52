package dev.peftbench.serve;

import dev.peftbench.serve.metrics.ServeMetrics;
import io.grpc.Context;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerStreamTracer;
import io.grpc.Status;

/**
 * The gRPC side of the {@link RequestMemory}: each call takes its message bytes as they arrive off the
 * connection (grpc-java reports them to a stream tracer while it gathers a message, before the message
 * is parsed), and gives them back when the call ends. A call whose bytes do not fit is closed at once
 * with RESOURCE_EXHAUSTED, its message never parsed or handled: the tracer marks it, and this
 * interceptor, which every call passes first, closes it and drops what the client sent.
 */
final class GrpcRequestMemory extends ServerStreamTracer.Factory implements ServerInterceptor {

    private static final Context.Key<Call> CALL = Context.key("peftbench-request-memory");

    private final RequestMemory memory;
    private final ServeMetrics metrics;

    GrpcRequestMemory(RequestMemory memory, ServeMetrics metrics) {
        this.memory = memory;
        this.metrics = metrics;
    }

    @Override
    public ServerStreamTracer newServerStreamTracer(String fullMethodName, Metadata headers) {
        return new Call();
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Call taken = CALL.get();
        if (taken == null || !taken.attach(call)) {
            return taken == null ? next.startCall(call, headers) : new ServerCall.Listener<>() {
            };
        }
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(next.startCall(call, headers)) {
            @Override
            public void onMessage(Q message) {
                if (!taken.refused()) {
                    super.onMessage(message);
                }
            }

            @Override
            public void onHalfClose() {
                if (!taken.refused()) {
                    super.onHalfClose();
                }
            }
        };
    }

    /** One call's bytes; grpc-java's transport thread reports them, the call's handler thread attaches. */
    private final class Call extends ServerStreamTracer {
        private long held;
        private boolean refused;
        private ServerCall<?, ?> call;

        @Override
        public Context filterContext(Context context) {
            return context.withValue(CALL, this);
        }

        @Override
        public synchronized void inboundWireSize(long bytes) {
            if (refused) {
                return;
            }
            if (memory.tryTake(bytes)) {
                held += bytes;
                return;
            }
            refused = true;
            memory.release(held);
            held = 0;
            if (call != null) {
                refuse(call);
            }
        }

        /** @return false when the call was refused already (and is closed now) */
        synchronized boolean attach(ServerCall<?, ?> c) {
            call = c;
            if (refused) {
                refuse(c);
                return false;
            }
            return true;
        }

        synchronized boolean refused() {
            return refused;
        }

        private void refuse(ServerCall<?, ?> c) {
            String endpoint = "grpc_" + c.getMethodDescriptor().getBareMethodName();
            metrics.requestDone(endpoint, 0);
            metrics.requestFailed(endpoint, Status.Code.RESOURCE_EXHAUSTED.name());
            c.close(Status.RESOURCE_EXHAUSTED.withDescription(memory.refusal().getMessage()), new Metadata());
        }

        @Override
        public synchronized void streamClosed(Status status) {
            memory.release(held);
            held = 0;
        }
    }
}
