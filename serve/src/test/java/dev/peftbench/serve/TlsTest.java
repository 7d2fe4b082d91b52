package dev.peftbench.serve;

import dev.peftbench.engine.Engine;
import dev.peftbench.serve.auth.AccessPolicy;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.serve.v2.grpc.proto.GRPCInferenceServiceGrpc;
import dev.peftbench.serve.v2.grpc.proto.GrpcPredictV2.ServerLiveRequest;
import io.grpc.Grpc;
import io.grpc.ManagedChannel;
import io.grpc.TlsChannelCredentials;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** --tls-cert/--tls-key: REST over https and gRPC over TLS with a PEM pair (a self-signed localhost certificate). */
class TlsTest {

    private static final Path CERT = Path.of("src/test/resources/tls/localhost.crt");
    private static final Path KEY = Path.of("src/test/resources/tls/localhost.key");

    @Test
    void restAndGrpcAnswerOverTlsWithAPemPair() throws Exception {
        Engine engine = TestEngines.engine();
        InferenceServer server = InferenceServer.builder(ServeConfig.defaults().withModel("m", ModelFields.of(TestEngines.TINY_BLOOM.toString(), null))
                .withPorts(0, 0).withTls(new TlsFiles(CERT, KEY)).withAccess(AccessPolicy.OPEN), engine).start();
        ManagedChannel channel = null;
        try {
            TestEngines.awaitLoaded(server, Duration.ofSeconds(30));
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            try (InputStream in = Files.newInputStream(CERT)) {
                trust.setCertificateEntry("localhost", CertificateFactory.getInstance("X.509").generateCertificate(in));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            try (HttpClient https = HttpClient.newBuilder().sslContext(ssl).build()) {
                HttpResponse<String> r = https.send(HttpRequest.newBuilder(
                        URI.create("https://localhost:" + server.httpPort() + "/v2/health/live")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertEquals(200, r.statusCode(), r.body());
            }
            try (HttpClient plain = HttpClient.newHttpClient()) {
                assertThrows(java.io.IOException.class, () -> plain.send(HttpRequest.newBuilder(
                        URI.create("http://localhost:" + server.httpPort() + "/v2/health/live"))
                        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()));
            }
            channel = Grpc.newChannelBuilderForAddress("localhost", server.grpcPort(),
                    TlsChannelCredentials.newBuilder().trustManager(CERT.toFile()).build()).build();
            assertTrue(GRPCInferenceServiceGrpc.newBlockingStub(channel).serverLive(ServerLiveRequest.getDefaultInstance()).getLive());
        } finally {
            if (channel != null) {
                channel.shutdownNow();
            }
            server.close();
            engine.close();
        }
    }

    @Test
    void aMissingHalfOfThePairIsRefusedAtStart() {
        String message = assertThrows(IllegalArgumentException.class, () -> new TlsFiles(CERT, null)).getMessage();
        assertTrue(message.contains("--tls-key"), message);
        message = assertThrows(IllegalArgumentException.class, () -> new TlsFiles(Path.of("nope.crt"), KEY)).getMessage();
        assertTrue(message.contains("--tls-cert") && message.contains("nope.crt"), message);
    }
}
