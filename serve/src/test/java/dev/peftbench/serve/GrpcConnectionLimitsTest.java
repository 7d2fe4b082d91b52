package dev.peftbench.serve;

import dev.peftbench.engine.Engine;
import dev.peftbench.serve.http.HttpLimits;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.serve.v2.grpc.proto.GRPCInferenceServiceGrpc;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ServerLiveRequest;
import io.grpc.ConnectivityState;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The gRPC ports' connections: a cap, a handshake deadline and an idle timeout, as the REST port has (1 s and 2 s here). */
class GrpcConnectionLimitsTest {

    private static final Engine ENGINE = TestEngines.engine();
    private static InferenceServer server;

    @BeforeAll
    static void start() throws Exception {
        server = InferenceServer.builder(ServeConfig.defaults().withModel("m", ModelFields.of(TestEngines.TINY_BLOOM.toString(), null))
                .withPorts(0, 0).withHttpLimits(new HttpLimits(2, Duration.ofSeconds(1), Duration.ofSeconds(2))), ENGINE).start();
        TestEngines.awaitLoaded(server, Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() {
        server.close();
        ENGINE.close();
    }

    private static ManagedChannel channel() {
        return ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
    }

    private static boolean live(ManagedChannel channel, long millis) {
        return GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(millis, TimeUnit.MILLISECONDS)
                .serverLive(ServerLiveRequest.getDefaultInstance()).getLive();
    }

    @Test
    void aConnectionThatNeverSpeaksHttp2IsClosedAtTheHandshakeDeadline() throws Exception {
        try (Socket silent = new Socket("127.0.0.1", server.grpcPort())) {
            RawHttp.Reply r = RawHttp.read(silent, Duration.ofSeconds(5));
            assertTrue(r.closed() && r.millis() < 3000, "closed after " + r.millis() + " ms (handshake deadline 1 s): " + r);
        }
    }

    @Test
    void connectionsBeyondTheCapWaitUntilOneCloses() throws Exception {
        ManagedChannel first = channel();
        ManagedChannel second = channel();
        ManagedChannel third = channel();
        try {
            assertTrue(live(first, 1000) && live(second, 1000));
            StatusRuntimeException waiting = assertThrows(StatusRuntimeException.class, () -> live(third, 500));
            assertEquals(Status.Code.DEADLINE_EXCEEDED, waiting.getStatus().getCode(), waiting.getStatus().toString());
            first.shutdownNow().awaitTermination(1, TimeUnit.SECONDS);
            assertTrue(live(third, 1500), "let in once one of the two closed");
        } finally {
            first.shutdownNow();
            second.shutdownNow();
            third.shutdownNow();
        }
    }

    @Test
    void anIdleConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        ManagedChannel channel = channel();
        try {
            assertTrue(live(channel, 1000));
            assertEquals(ConnectivityState.READY, channel.getState(false));
            long start = System.nanoTime();
            while (channel.getState(false) == ConnectivityState.READY && System.nanoTime() - start < 6_000_000_000L) {
                Thread.sleep(50);
            }
            assertEquals(ConnectivityState.IDLE, channel.getState(false), "the server ended the idle connection (GOAWAY)");
            assertTrue(live(channel, 1000), "the client connects again when it has a call");
        } finally {
            channel.shutdownNow();
        }
    }
}
