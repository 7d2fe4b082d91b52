package dev.peftbench.serve.v2.grpc;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

import java.util.concurrent.TimeUnit;

/**
 * Reads the client's {@code grpc-timeout} header (gRPC over HTTP/2, "Requests": an integer and a unit
 * H, M, S, m, u or n) into the call's context, because Helidon's gRPC server neither sets the context
 * deadline nor marks the call cancelled when the client gives up. Generation stops at that deadline.
 */
public final class ClientDeadline implements ServerInterceptor {

    /** System.nanoTime() after which the client no longer waits; absent = no deadline. */
    static final Context.Key<Long> DEADLINE_NANOS = Context.key("peftbench-client-deadline");
    private static final Metadata.Key<String> GRPC_TIMEOUT = Metadata.Key.of("grpc-timeout", Metadata.ASCII_STRING_MARSHALLER);

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        Long timeout = parse(headers.get(GRPC_TIMEOUT));
        if (timeout == null) {
            return next.startCall(call, headers);
        }
        Context context = Context.current().withValue(DEADLINE_NANOS, System.nanoTime() + timeout);
        return Contexts.interceptCall(context, call, headers, next);
    }

    /** @return the timeout in nanoseconds, or null when absent or malformed */
    static Long parse(String value) {
        if (value == null || value.length() < 2 || value.length() > 9) {
            return null;
        }
        long amount;
        try {
            amount = Long.parseLong(value.substring(0, value.length() - 1));
        } catch (NumberFormatException e) {
            return null;
        }
        TimeUnit unit = switch (value.charAt(value.length() - 1)) {
            case 'H' -> TimeUnit.HOURS;
            case 'M' -> TimeUnit.MINUTES;
            case 'S' -> TimeUnit.SECONDS;
            case 'm' -> TimeUnit.MILLISECONDS;
            case 'u' -> TimeUnit.MICROSECONDS;
            case 'n' -> TimeUnit.NANOSECONDS;
            default -> null;
        };
        return unit == null ? null : unit.toNanos(amount);
    }

    /** True once the current call's client deadline has passed. */
    static boolean expired(Context context) {
        Long deadline = DEADLINE_NANOS.get(context);
        return deadline != null && System.nanoTime() - deadline > 0;
    }
}
