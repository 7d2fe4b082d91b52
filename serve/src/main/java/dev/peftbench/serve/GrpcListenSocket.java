package dev.peftbench.serve;

import io.grpc.netty.shaded.io.netty.channel.Channel;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioServerSocketChannel;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A gRPC port's listening socket that holds at most {@code maxConnections} connections at once: at the
 * cap it stops accepting, so that further clients wait in the listen backlog, as Helidon's
 * {@code maxTcpConnections} makes REST clients wait, and it accepts again as soon as one closes.
 * grpc-java has no such cap of its own (a ServerTransportFilter can count connections, not refuse them).
 */
final class GrpcListenSocket extends NioServerSocketChannel {

    private final int maxConnections;
    private final AtomicInteger open = new AtomicInteger();

    GrpcListenSocket(int maxConnections) {
        this.maxConnections = maxConnections;
    }

    @Override
    protected int doReadMessages(List<Object> accepted) throws Exception {
        if (open.get() >= maxConnections) {
            pause();
            return 0;
        }
        int n = super.doReadMessages(accepted);
        if (n > 0) {
            open.incrementAndGet();
            ((Channel) accepted.getLast()).closeFuture().addListener(closed -> {
                open.decrementAndGet();
                config().setAutoRead(true);
            });
        }
        if (open.get() >= maxConnections) {
            pause();
        }
        return n;
    }

    /** Stops accepting; a connection that closed meanwhile (its listener ran first) turns it back on. */
    private void pause() {
        config().setAutoRead(false);
        if (open.get() < maxConnections) {
            config().setAutoRead(true);
        }
    }
}
