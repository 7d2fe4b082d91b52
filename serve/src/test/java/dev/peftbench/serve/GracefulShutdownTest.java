package dev.peftbench.serve;

import dev.peftbench.contract.ModelFields;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shutdown waits for requests already being answered, with {@link FakeEngine} slow on purpose. */
class GracefulShutdownTest {

    @Test
    void inFlightRequestIsAnsweredBeforeTheServerStops() throws Exception {
        FakeEngine engine = new FakeEngine();
        engine.delayMillis = 500;
        InferenceServer server = InferenceServer.builder(ServeConfig.defaults().withModel("m", ModelFields.of("base", null))
                .withHost("127.0.0.1").withPorts(0, 0).withRequestTimeout(Duration.ofSeconds(10)).withMaxRequestBytes(4096)
                .withQueueCapacity(1).withShutdownGrace(Duration.ofSeconds(5)), engine).start();
        server.awaitLoaded(Duration.ofSeconds(5));
        HttpClient http = HttpClient.newHttpClient();
        CompletableFuture<HttpResponse<String>> answer = http.sendAsync(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.httpPort() + "/v2/models/m/infer"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"inputs\":[{\"name\":\"content\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"hi\"]}]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        long start = System.nanoTime();
        while (engine.submitted.get() == 0 && System.nanoTime() - start < 5_000_000_000L) {
            Thread.sleep(5);
        }
        assertEquals(1, engine.submitted.get(), "the request never reached the engine");
        server.close();
        HttpResponse<String> r = answer.get();
        assertEquals(200, r.statusCode(), r.body());
        assertTrue(r.body().contains("ok!"), r.body());
    }
}
