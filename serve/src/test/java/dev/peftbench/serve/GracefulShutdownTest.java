package dev.peftbench.serve;

import dev.peftbench.contract.ModelFields;
import dev.peftbench.engine.Engine;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shutdown waits for requests already being answered: 100 tokens of the slow model, generating when the server closes. */
class GracefulShutdownTest {

    @Test
    void inFlightRequestIsAnsweredBeforeTheServerStops() throws Exception {
        try (Engine engine = TestEngines.engine()) {
            InferenceServer server = InferenceServer.builder(ServeConfig.defaults()
                    .withModel("m", ModelFields.of(TestEngines.talking().toString(), null)).withHost("127.0.0.1").withPorts(0, 0)
                    .withRequestTimeout(Duration.ofSeconds(60)).withMaxRequestBytes(4096).withQueueCapacity(1)
                    .withShutdownGrace(Duration.ofSeconds(60)), engine).start();
            TestEngines.awaitLoaded(server, Duration.ofSeconds(60));
            HttpClient http = HttpClient.newHttpClient();
            CompletableFuture<HttpResponse<String>> answer = http.sendAsync(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + server.httpPort() + "/v2/models/m/generate"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"text_input\":\"hi\",\"parameters\":{\"max_new_tokens\":100}}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            long start = System.nanoTime();
            while (engine.stats().running() == 0 && System.nanoTime() - start < 10_000_000_000L) {
                Thread.sleep(5);
            }
            assertEquals(1, engine.stats().running(), "the request never reached the engine");
            server.close();
            HttpResponse<String> r = answer.get();
            assertEquals(200, r.statusCode(), r.body());
            assertTrue(r.body().contains(TestEngines.talkingWord().repeat(10)), r.body());
        }
    }
}
