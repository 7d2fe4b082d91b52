package dev.peftbench.serve.http;

import dev.peftbench.contract.Setting;

import java.time.Duration;

/**
 * What one connection may hold. REST: a client has {@code headerTimeout} from a request's first byte (or
 * from connecting, for its first request) to its last header line (a client that sends a byte every few
 * seconds, or nothing, is cut off), {@code idleTimeout} from there to its body's last byte, and a
 * connection waits {@code idleTimeout} for the next request. gRPC: {@code headerTimeout} to finish the
 * HTTP/2 handshake, {@code idleTimeout} without a call. On each port at most {@code maxConnections} are
 * open at once (more wait in the listen backlog).
 */
public record HttpLimits(int maxConnections, Duration headerTimeout, Duration idleTimeout) {

    public static final HttpLimits DEFAULT = new HttpLimits(Setting.MAX_CONNECTIONS.defaultValue(), Duration.ofSeconds(10),
            Duration.ofSeconds(60));
    /**
     * The health port's: kubelets and Prometheus open a connection per probe or keep one, and send at
     * once; a probe's own timeout is a second by default, so an idle connection is no probe.
     */
    public static final HttpLimits PROBES = new HttpLimits(32, Duration.ofSeconds(2), Duration.ofSeconds(10));

    public HttpLimits {
        if (maxConnections < 1) {
            throw new IllegalArgumentException(Setting.MAX_CONNECTIONS.label() + " must be >= 1, got " + maxConnections);
        }
        if (headerTimeout == null || headerTimeout.isNegative() || headerTimeout.isZero()
                || idleTimeout == null || idleTimeout.isNegative() || idleTimeout.isZero()) {
            throw new IllegalArgumentException("connection timeouts must be > 0");
        }
    }

    public HttpLimits withMaxConnections(int max) {
        return new HttpLimits(max, headerTimeout, idleTimeout);
    }
}
