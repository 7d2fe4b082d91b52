package dev.peftbench.serve;

import dev.peftbench.engine.Engine;
import dev.peftbench.serve.auth.AccessPolicy;
import dev.peftbench.serve.auth.ApiKey;
import dev.peftbench.serve.mmesh.proto.ModelRuntimeGrpc;
import dev.peftbench.serve.mmesh.proto.RuntimeStatusRequest;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.serve.v2.grpc.proto.GRPCInferenceServiceGrpc;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ServerLiveRequest;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ServerMetadataRequest;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A server started with an API key: REST routes and both gRPC ports want it; probes stay open unless asked. */
class ApiKeyTest {

    private static final String KEY = "test-key-0123456789";
    private static final String INFER = "{\"inputs\":[{\"name\":\"content\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"hi\"]}]}";
    /** One engine per server: a server's models are its engine's names. */
    private static final List<Engine> ENGINES = new java.util.concurrent.CopyOnWriteArrayList<>();
    private static InferenceServer server;
    private static InferenceServer probesProtected;
    private final HttpClient http = HttpClient.newHttpClient();

    private static InferenceServer start(AccessPolicy access) {
        Engine engine = TestEngines.engine();
        ENGINES.add(engine);
        InferenceServer s = InferenceServer.builder(ServeConfig.defaults().withModel("m", ModelFields.of(TestEngines.TINY_BLOOM.toString(), null))
                .withPorts(0, 0).withMmeshPort(0).withAccess(access), engine).start();
        try {
            TestEngines.awaitLoaded(s, Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        return s;
    }

    @BeforeAll
    static void startServers() {
        server = start(new AccessPolicy(ApiKey.of(KEY, "test"), false, false));
        probesProtected = start(new AccessPolicy(ApiKey.of(KEY, "test"), true, false));
    }

    @AfterAll
    static void stop() {
        server.close();
        probesProtected.close();
        ENGINES.forEach(Engine::close);
    }

    private HttpResponse<String> call(InferenceServer s, String method, String path, String authorization) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + s.httpPort() + path))
                .header("Content-Type", "application/json")
                .method(method, method.equals("POST") ? HttpRequest.BodyPublishers.ofString(
                        path.endsWith("/infer") ? INFER : path.endsWith("completions") ? "{\"prompt\":\"hi\"}"
                                : path.endsWith("/generate") ? "{\"text_input\":\"hi\"}" : "{}")
                        : HttpRequest.BodyPublishers.noBody());
        if (authorization != null) {
            b.header("Authorization", authorization);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void everyModelInferenceGenerateOpenAiAndRepositoryRouteWantsTheKey() throws Exception {
        List<String[]> routes = List.of(new String[] {"GET", "/v2"}, new String[] {"GET", "/v2/models/m"},
                new String[] {"GET", "/v2/models/m/ready"}, new String[] {"POST", "/v2/models/m/infer"},
                new String[] {"POST", "/v2/models/m/generate"}, new String[] {"GET", "/v1/models"},
                new String[] {"POST", "/v1/completions"}, new String[] {"POST", "/v2/repository/index"},
                new String[] {"POST", "/v2/repository/models/m/unload"});
        for (String[] r : routes) {
            HttpResponse<String> none = call(server, r[0], r[1], null);
            assertEquals(401, none.statusCode(), r[1] + " " + none.body());
            assertEquals(AccessPolicy.CHALLENGE, none.headers().firstValue("WWW-Authenticate").orElseThrow());
            assertTrue(none.body().contains("Authorization: Bearer"), none.body());
            HttpResponse<String> wrong = call(server, r[0], r[1], "Bearer " + KEY + "x");
            assertEquals(401, wrong.statusCode(), r[1]);
            assertTrue(wrong.body().contains("not valid"), wrong.body());
            assertEquals(401, call(server, r[0], r[1], KEY).statusCode(), "the key without the Bearer scheme");
        }
        for (String[] r : routes.subList(0, routes.size() - 1)) {
            HttpResponse<String> ok = call(server, r[0], r[1], "bearer " + KEY);
            assertEquals(200, ok.statusCode(), r[1] + " " + ok.body());
        }
    }

    @Test
    void refusedCallsAreCountedAsErrors() throws Exception {
        call(server, "GET", "/v2", null);
        ManagedChannel v2 = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        try {
            assertThrows(StatusRuntimeException.class, () -> GRPCInferenceServiceGrpc.newBlockingStub(v2)
                    .serverMetadata(ServerMetadataRequest.getDefaultInstance()));
        } finally {
            v2.shutdownNow();
        }
        String scrape = call(server, "GET", "/metrics", null).body();
        assertTrue(scrape.contains("peftbench_request_errors_total{endpoint=\"auth\",status=\"401\"}"), scrape);
        assertTrue(scrape.contains("peftbench_request_errors_total{endpoint=\"grpc_auth\",status=\"UNAUTHENTICATED\"}"), scrape);
    }

    @Test
    void healthAndMetricsStayOpenUnlessProtected() throws Exception {
        for (String path : List.of("/v2/health/live", "/v2/health/ready", "/metrics")) {
            assertEquals(200, call(server, "GET", path, null).statusCode(), path);
            assertEquals(401, call(probesProtected, "GET", path, null).statusCode(), path);
            assertEquals(200, call(probesProtected, "GET", path, "Bearer " + KEY).statusCode(), path);
        }
    }

    @Test
    void aBrokenChunkedBodyGetsOneAnswerWithOrWithoutTheKey() throws Exception {
        String request = "POST /v2/models/m/generate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n%s"
                + "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n";
        RawHttp.Reply without = RawHttp.exchange(server.httpPort(), request.formatted(""), Duration.ofSeconds(3));
        assertEquals(401, without.status(), without.text());
        assertEquals(1, without.text().split("HTTP/1\\.1 ", -1).length - 1, "one answer: " + without.text());
        assertTrue(without.closed());
        RawHttp.Reply with = RawHttp.exchange(server.httpPort(), request.formatted("Authorization: Bearer " + KEY + "\r\n"),
                Duration.ofSeconds(3));
        assertEquals(400, with.status(), with.text());
        assertEquals(1, with.text().split("HTTP/1\\.1 ", -1).length - 1, "one answer: " + with.text());
        assertTrue(with.closed());
    }

    private static Metadata bearer(String key) {
        Metadata m = new Metadata();
        m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + key);
        return m;
    }

    @Test
    void bothGrpcPortsWantTheKeyInAuthorizationMetadata() {
        // runtimeStatus purges every model: a server of its own
        InferenceServer server = start(new AccessPolicy(ApiKey.of(KEY, "test"), false, false));
        ManagedChannel v2 = ManagedChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        ManagedChannel mmesh = ManagedChannelBuilder.forAddress("127.0.0.1", server.mmeshPort()).usePlaintext().build();
        try {
            var inference = GRPCInferenceServiceGrpc.newBlockingStub(v2);
            StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
                    () -> inference.serverMetadata(ServerMetadataRequest.getDefaultInstance()));
            assertEquals(Status.Code.UNAUTHENTICATED, refused.getStatus().getCode());
            assertEquals(Status.Code.UNAUTHENTICATED, assertThrows(StatusRuntimeException.class,
                    () -> inference.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer("wrong")))
                            .serverMetadata(ServerMetadataRequest.getDefaultInstance())).getStatus().getCode());
            assertEquals("peftbench", inference.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer(KEY)))
                    .serverMetadata(ServerMetadataRequest.getDefaultInstance()).getName());
            assertTrue(inference.serverLive(ServerLiveRequest.getDefaultInstance()).getLive(), "a probe needs no key");

            var runtime = ModelRuntimeGrpc.newBlockingStub(mmesh);
            assertEquals(Status.Code.UNAUTHENTICATED, assertThrows(StatusRuntimeException.class,
                    () -> runtime.runtimeStatus(RuntimeStatusRequest.getDefaultInstance())).getStatus().getCode());
            assertTrue(runtime.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer(KEY)))
                    .runtimeStatus(RuntimeStatusRequest.getDefaultInstance()).getCapacityInBytes() > 0);
        } finally {
            v2.shutdownNow();
            mmesh.shutdownNow();
            server.close();
        }
    }

    @Test
    void trustedLoopbackCallersNeedNoKey() throws Exception {
        InferenceServer trusting = start(new AccessPolicy(ApiKey.of(KEY, "test"), false, true));
        ManagedChannel mmesh = ManagedChannelBuilder.forAddress("127.0.0.1", trusting.mmeshPort()).usePlaintext().build();
        try {
            assertEquals(200, call(trusting, "GET", "/v2", null).statusCode());
            assertTrue(ModelRuntimeGrpc.newBlockingStub(mmesh).runtimeStatus(RuntimeStatusRequest.getDefaultInstance())
                    .getCapacityInBytes() > 0, "ModelMesh calls the runtime over localhost without a key");
        } finally {
            mmesh.shutdownNow();
            trusting.close();
        }
    }
}
