package dev.peftbench.serve;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import dev.peftbench.serve.http.HttpLimits;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * One gRPC port on grpc-java's own Netty server, the ecosystem's reference implementation (ModelMesh
 * runs it too). Helidon 4's HTTP/2 server refuses a request whose pseudo-headers ({@code :path},
 * {@code :authority}) come as HPACK literals with a literal name, which RFC 7541 section 6.2 allows and
 * gRPC C-core clients (Python grpcio, C++, Ruby, PHP) send; so gRPC is served here and Helidon keeps
 * REST. grpc-java also sets each call's deadline from {@code grpc-timeout} and cancels the call's
 * context when its client gives up or the deadline passes.
 */
final class GrpcPort implements AutoCloseable {

    /** How often a client may ping an idle connection: clients behind load balancers keep connections warm. */
    private static final Duration MIN_CLIENT_PING_INTERVAL = Duration.ofSeconds(10);
    private static final Duration STOP_WAIT = Duration.ofSeconds(5);

    private final Server server;
    private final ExecutorService handlers;
    private final List<EventLoopGroup> eventLoops;

    private GrpcPort(Server server, ExecutorService handlers, List<EventLoopGroup> eventLoops) {
        this.server = server;
        this.handlers = handlers;
        this.eventLoops = eventLoops;
    }

    /**
     * Binds {@code host:port} (0 = any free port) and serves {@code services}, each behind
     * {@code interceptors} (the first in the list sees a call first).
     *
     * @param maxMessageBytes largest request message; larger ones are RESOURCE_EXHAUSTED before they are buffered
     * @param memory          what every call's message bytes are taken from while it runs (first of the interceptors)
     * @param limits          connections: at most {@code maxConnections} open (more wait in the listen backlog); one
     *                        that has not finished its HTTP/2 handshake within {@code headerTimeout}, or has had no call
     *                        for {@code idleTimeout}, is closed (an idle one with a GOAWAY, which clients follow)
     * @param tls             null = plain TCP
     * @throws IllegalStateException when the port cannot be bound
     */
    static GrpcPort start(String what, String host, int port, long maxMessageBytes, GrpcRequestMemory memory, HttpLimits limits,
                          TlsFiles tls, List<ServerInterceptor> interceptors, List<BindableService> services) {
        // Handlers block while the engine generates: one cheap virtual thread per call.
        ExecutorService handlers = Executors.newVirtualThreadPerTaskExecutor();
        // the capped listening socket is NIO's, so the event loops are too (grpc-java wants all three given together)
        EventLoopGroup boss = new NioEventLoopGroup(1, Thread.ofPlatform().daemon().name("peftbench-grpc-accept-", 0).factory());
        EventLoopGroup workers = new NioEventLoopGroup(0, Thread.ofPlatform().daemon().name("peftbench-grpc-io-", 0).factory());
        InetSocketAddress address = new InetSocketAddress(host, port);
        NettyServerBuilder builder = (tls == null ? NettyServerBuilder.forAddress(address)
                : NettyServerBuilder.forAddress(address, tls.forGrpc()))
                .channelFactory(() -> new GrpcListenSocket(limits.maxConnections()))
                .bossEventLoopGroup(boss)
                .workerEventLoopGroup(workers)
                .handshakeTimeout(limits.headerTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .maxConnectionIdle(limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .executor(handlers)
                .maxInboundMessageSize((int) Math.min(Integer.MAX_VALUE, maxMessageBytes))
                .permitKeepAliveTime(MIN_CLIENT_PING_INTERVAL.toSeconds(), TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .addStreamTracerFactory(memory);
        List<ServerInterceptor> all = new ArrayList<>(interceptors.size() + 1);
        all.add(memory);
        all.addAll(interceptors);
        for (BindableService service : services) {
            builder.addService(ServerInterceptors.interceptForward(service, all));
        }
        try {
            return new GrpcPort(builder.build().start(), handlers, List.of(boss, workers));
        } catch (IOException e) {
            handlers.close();
            boss.shutdownGracefully();
            workers.shutdownGracefully();
            throw new IllegalStateException("cannot listen for " + what + " on " + host + ":" + port + ": "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        }
    }

    int port() {
        return server.getPort();
    }

    /** Refuses new calls, gives running ones a few seconds, then cancels what is left. */
    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                server.shutdownNow().awaitTermination(STOP_WAIT.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        handlers.shutdownNow();
        eventLoops.forEach(EventLoopGroup::shutdownGracefully);
    }
}
