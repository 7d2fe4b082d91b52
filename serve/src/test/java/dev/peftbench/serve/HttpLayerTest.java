package dev.peftbench.serve;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.serve.http.HttpLimits;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.engine.Engine;
import dev.peftbench.engine.LoadProgress;
import dev.peftbench.engine.ModelSpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The REST port as raw bytes on a socket: what HTTP/1.0 clients, proxies and hostile clients send, with
 * short connection deadlines (header 1 s, idle 2 s) so that each check takes a few seconds at most.
 */
class HttpLayerTest {

    private static final Engine ENGINE = TestEngines.engine();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String INFER = "{\"inputs\":[{\"name\":\"content\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\"hi\"]}]}";
    private static final Duration WAIT = Duration.ofSeconds(3);
    private static InferenceServer server;

    @BeforeAll
    static void start() throws Exception {
        ENGINE.load("slow", ModelSpec.of(TestEngines.talking().toString(), null, null), LoadProgress.NONE);
        ENGINE.load("silent", ModelSpec.of(TestEngines.silent().toString(), null, null), LoadProgress.NONE);
        server = InferenceServer.builder(ServeConfig.defaults().withModel("m", ModelFields.of(TestEngines.TINY_BLOOM.toString(), null))
                .withPorts(0, 0).withHealthPort(0).withRequestTimeout(Duration.ofSeconds(5))
                .withHttpLimits(new HttpLimits(4, Duration.ofSeconds(1), Duration.ofSeconds(2))), ENGINE)
                .adopt(ENGINE.find("slow").orElseThrow()).adopt(ENGINE.find("silent").orElseThrow()).start();
        TestEngines.awaitLoaded(server, Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() {
        server.close();
        ENGINE.close();
    }

    /** Whether the engine is generating anything (the slow model's generations outlast every wait here). */
    private static boolean generating() {
        return ENGINE.stats().running() + ENGINE.stats().queued() > 0;
    }

    /** Waits at most {@code seconds} for {@code condition}; whether it came. */
    private static boolean within(double seconds, java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + (long) (seconds * 1e9);
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        return condition.getAsBoolean();
    }

    private static RawHttp.Reply send(String request) throws Exception {
        return RawHttp.exchange(server.httpPort(), request, WAIT);
    }

    private static String post(String path, String contentType, String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: " + contentType + "\r\nContent-Length: " + bytes.length
                + "\r\nConnection: close\r\n\r\n" + body;
    }

    private static String error(RawHttp.Reply r) throws Exception {
        return JSON.readTree(r.body()).get("error").asText();
    }

    @Test
    void anHttp10RequestIsAnsweredAndTheConnectionCloses() throws Exception {
        RawHttp.Reply r = send("GET /v2/health/live HTTP/1.0\r\n\r\n");
        assertEquals(200, r.status(), r.text());
        assertEquals("{\"live\":true}", r.body());
        assertTrue(r.closed() && r.millis() < 1000, "closed after the answer: " + r);
        RawHttp.Reply infer = send("POST /v2/models/m/infer HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: "
                + INFER.length() + "\r\n\r\n" + INFER);
        assertEquals(200, infer.status(), infer.text());
        assertTrue(infer.body().contains("\"outputs\""), infer.text());
    }

    @Test
    void aStreamAskedOverHttp10Is505() throws Exception {
        String body = "{\"text_input\":\"hi\"}";
        RawHttp.Reply r = send("POST /v2/models/m/generate_stream HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body);
        assertEquals(505, r.status(), r.text());
        assertTrue(error(r).contains("HTTP/1.1"), r.text());
    }

    @Test
    void connectionCloseEndsTheConnectionAfterTheAnswer() throws Exception {
        RawHttp.Reply r = send("GET /v2/health/ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertEquals(200, r.status(), r.text());
        assertTrue(r.closed() && r.millis() < 1000, "closed at once: " + r);
    }

    @Test
    void keepAliveConnectionsServeSeveralRequests() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.httpPort())) {
            OutputStream out = s.getOutputStream();
            out.write(("GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\nGET /v2/health/ready HTTP/1.1\r\nHost: x\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            RawHttp.Reply r = RawHttp.read(s, Duration.ofMillis(500));
            assertFalse(r.closed(), r.toString());
            assertTrue(r.text().contains("{\"live\":true}") && r.text().contains("{\"ready\":true}"), r.text());
        }
    }

    private static String inferRequest() {
        return inferRequest("m", INFER);
    }

    private static String inferRequest(String model, String body) {
        return "POST /v2/models/" + model + "/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: "
                + body.length() + "\r\n\r\n" + body;
    }

    /** An infer of the slow model for {@code tokens} tokens. */
    private static String slowInfer(int tokens) {
        return inferRequest("slow", INFER.replace("]}]}", "]}],\"parameters\":{\"max_new_tokens\":" + tokens + "}}"));
    }

    @Test
    void aClientThatHangsUpCancelsItsGeneration() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.httpPort())) {
            s.getOutputStream().write(slowInfer(TestEngines.LONG).getBytes(StandardCharsets.US_ASCII));
            assertTrue(within(10, HttpLayerTest::generating), "the request never reached the engine");
        }
        assertTrue(within(3, () -> !generating()), "still generating 3 s after the client hung up (the request timeout is 5 s)");
    }

    private static String metrics() throws Exception {
        return send("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").body();
    }

    /** A sample's value in a scrape, 0 when it is not there yet. */
    private static double sample(String scrape, String series) {
        return scrape.lines().filter(l -> l.startsWith(series + " ")).mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1)))
                .findFirst().orElse(0);
    }

    private static final String[] CANCELLED_ENDPOINTS = {"infer", "generate_stream", "openai_completions"};

    @Test
    void aClientThatHangsUpIsCountedAsACancelAndLoggedWithoutAStackTrace() throws Exception {
        String before = metrics();
        try (ServerLog log = new ServerLog()) {
            for (int i = 0; i < 3; i++) {
                try (Socket s = new Socket("127.0.0.1", server.httpPort())) {
                    s.getOutputStream().write(slowInfer(TestEngines.LONG).getBytes(StandardCharsets.US_ASCII));
                    assertTrue(within(10, HttpLayerTest::generating), "the request never reached the engine");
                    // a reset, as a client killed mid-request leaves it
                    s.setSoLinger(true, 0);
                }
                assertTrue(within(3, () -> !generating()), "still generating after the reset");
            }
            for (String path : List.of("/v2/models/slow/generate_stream", "/v1/completions")) {
                String body = path.startsWith("/v1") ? "{\"model\":\"slow\",\"prompt\":\"hi\",\"stream\":true,\"max_tokens\":" + TestEngines.LONG + "}"
                        : "{\"text_input\":\"hi\",\"parameters\":{\"max_new_tokens\":" + TestEngines.LONG + "}}";
                try (Socket s = new Socket("127.0.0.1", server.httpPort())) {
                    s.getOutputStream().write(post(path, "application/json", body).replace("Connection: close\r\n", "")
                            .getBytes(StandardCharsets.US_ASCII));
                    s.getInputStream().read();
                    Thread.sleep(100);
                    s.setSoLinger(true, 0);
                }
                assertTrue(within(3, () -> !generating()), path + ": still generating after the reset");
            }
            Thread.sleep(200);
            String scrape = metrics();
            assertFalse(scrape.contains("status=\"500\"") || scrape.contains("status=\"499\""), scrape);
            double[] expected = {3, 1, 1};
            for (int i = 0; i < expected.length; i++) {
                String series = "peftbench_request_cancels_total{endpoint=\"" + CANCELLED_ENDPOINTS[i] + "\"}";
                assertEquals(expected[i], sample(scrape, series) - sample(before, series), series + "\n" + scrape);
            }
            assertEquals(List.of(), log.warningsAndTraces());
        }
    }

    @Test
    void anOpenAiStreamWhoseClientLeftIsCancelledThoughNothingIsWritten() throws Exception {
        // the silent model's every token is <s>, which decodes to no text
        String body = "{\"model\":\"silent\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true,\"max_tokens\":"
                + TestEngines.LONG + "}";
        try (Socket s = new Socket("127.0.0.1", server.httpPort())) {
            s.getOutputStream().write(post("/v1/chat/completions", "application/json", body)
                    .getBytes(StandardCharsets.US_ASCII));
            // the role chunk comes first; then only empty deltas, which OpenAI's stream never writes
            assertTrue(s.getInputStream().read() > 0);
            assertTrue(within(10, HttpLayerTest::generating), "the request never reached the engine");
        }
        assertTrue(within(1, () -> !generating()), "still generating a second after the hang-up (the request timeout is 5 s)");
    }

    @Test
    void aRequestSentWhileTheFirstIsAnsweredIsAnsweredNext() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.httpPort())) {
            OutputStream out = s.getOutputStream();
            out.write(slowInfer(100).getBytes(StandardCharsets.US_ASCII));
            assertTrue(within(10, HttpLayerTest::generating), "the request never reached the engine");
            out.write(inferRequest().replace("Host: x", "Host: x\r\nConnection: close").getBytes(StandardCharsets.US_ASCII));
            RawHttp.Reply r = RawHttp.read(s, Duration.ofSeconds(30));
            assertEquals(2, r.text().split("HTTP/1.1 200 OK", -1).length - 1, r.text());
            assertTrue(r.closed(), "the second asked to close");
        }
    }

    @Test
    void aHeadSentByteByByteIsCutOffAtTheHeaderTimeout() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.httpPort())) {
            RawHttp.Reply r = RawHttp.dribble(s, "GET /v2/health/live HTTP/1.1\r\nHost: x\r\n", 'X', 20);
            assertTrue(r.closed(), "the connection outlived the 1 s header timeout");
            assertTrue(r.millis() < 2500, "closed after " + r.millis() + " ms");
        }
    }

    @Test
    void aBodySentByteByByteIsCutOffAtTheIdleTimeoutAfterTheHead() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.httpPort())) {
            RawHttp.Reply r = RawHttp.dribble(s, "POST /v2/repository/index HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: 1000\r\n\r\n", ' ', 40);
            assertTrue(r.closed(), "the connection outlived the 2 s body deadline");
            assertTrue(r.millis() < 4000, "closed after " + r.millis() + " ms");
        }
    }

    @Test
    void aConnectionThatSendsNothingIsClosedAtTheHeaderTimeout() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.httpPort())) {
            RawHttp.Reply r = RawHttp.read(s, Duration.ofSeconds(4));
            assertTrue(r.closed(), "still open after 4 s");
            assertTrue(r.millis() >= 700 && r.millis() < 2000, "closed after " + r.millis() + " ms (header timeout 1 s)");
        }
    }

    @Test
    void aKeptAliveConnectionWaitsTheIdleTimeoutForItsNextRequest() throws Exception {
        try (Socket s = new Socket("127.0.0.1", server.httpPort())) {
            s.getOutputStream().write("GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            RawHttp.Reply r = RawHttp.read(s, Duration.ofSeconds(5));
            assertTrue(r.text().startsWith("HTTP/1.1 200"), r.text());
            assertTrue(r.closed(), "still open after 5 s");
            assertTrue(r.millis() >= 1500 && r.millis() < 3500, "closed after " + r.millis() + " ms (idle timeout 2 s)");
        }
    }

    @Test
    void connectionsBeyondTheLimitWaitUntilOneCloses() throws Exception {
        Socket[] held = new Socket[4];
        try {
            for (int i = 0; i < held.length; i++) {
                held[i] = new Socket("127.0.0.1", server.httpPort());
            }
            Thread.sleep(100);
            try (Socket fifth = new Socket("127.0.0.1", server.httpPort())) {
                fifth.getOutputStream().write("GET /v2/health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                        .getBytes(StandardCharsets.US_ASCII));
                RawHttp.Reply waiting = RawHttp.read(fifth, Duration.ofMillis(500));
                assertEquals("", waiting.text(), "answered beyond the limit of 4 connections");
                held[0].close();
                RawHttp.Reply r = RawHttp.read(fifth, Duration.ofSeconds(3));
                assertTrue(r.text().startsWith("HTTP/1.1 200"), r.toString());
            }
        } finally {
            for (Socket s : held) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    @Test
    void theHealthPortAnswersWhileIdleSocketsHoldEveryRestConnection() throws Exception {
        Socket[] held = new Socket[4];
        try {
            for (int i = 0; i < held.length; i++) {
                held[i] = new Socket("127.0.0.1", server.httpPort());
            }
            Thread.sleep(100);
            for (String path : new String[] {"/v2/health/live", "/v2/health/ready", "/metrics"}) {
                RawHttp.Reply r = RawHttp.exchange(server.healthPort(), "GET " + path + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                        Duration.ofSeconds(1));
                assertEquals(200, r.status(), path + ": " + r.text());
                assertTrue(r.millis() < 500, path + " took " + r.millis() + " ms");
            }
            RawHttp.Reply models = RawHttp.exchange(server.healthPort(), "GET /v2/models/m HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                    Duration.ofSeconds(1));
            assertEquals(404, models.status(), "the health port serves the probes only");
        } finally {
            for (Socket s : held) {
                if (s != null) {
                    s.close();
                }
            }
        }
    }

    @Test
    void contradictoryFramingIsRefusedWithTheReason() throws Exception {
        RawHttp.Reply negative = send("POST /v2/repository/index HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n");
        assertEquals(400, negative.status(), negative.text());
        assertTrue(error(negative).contains("Content length"), negative.text());
        RawHttp.Reply two = send("POST /v2/repository/index HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}");
        assertEquals(400, two.status(), two.text());
        assertTrue(error(two).contains("exactly one value"), two.text());
        RawHttp.Reply both = send("POST /v2/repository/index HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n"
                + "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
        assertEquals(400, both.status(), both.text());
        assertTrue(error(both).contains("must not be combined"), both.text());
    }

    private static int answers(RawHttp.Reply r) {
        return r.text().split("HTTP/1\\.1 \\d{3} ", -1).length - 1;
    }

    private static String chunked(String path, String chunks) {
        return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks;
    }

    @Test
    void aChunkSizeThatIsNoNumberIsOne400AndTheConnectionCloses() throws Exception {
        RawHttp.Reply r = send(chunked("/v2/models/m/generate", "zz\r\nabc\r\n0\r\n\r\n"));
        assertEquals(1, answers(r), r.text());
        assertEquals(400, r.status(), r.text());
        assertTrue(error(r).contains("chunk size 'zz'"), r.text());
        assertTrue(r.closed(), "closed after the one answer");
        RawHttp.Reply late = send(chunked("/v2/models/m/infer", Integer.toHexString(INFER.length()) + "\r\n" + INFER
                + "\r\nq\r\n"));
        assertEquals(1, answers(late), late.text());
        assertEquals(400, late.status(), late.text());
    }

    @Test
    void aChunkedBodyWithExtensionsAndTrailersIsRead() throws Exception {
        String half = INFER.substring(0, 20);
        String rest = INFER.substring(20);
        RawHttp.Reply r = send(chunked("/v2/models/m/infer", Integer.toHexString(half.length()) + ";name=value\r\n" + half
                + "\r\n" + Integer.toHexString(rest.length()).toUpperCase() + "\r\n" + rest + "\r\n0\r\nX-Checksum: 1\r\n\r\n")
                .replace("Host: x", "Host: x\r\nConnection: close"));
        assertEquals(200, r.status(), r.text());
        assertTrue(r.body().contains("\"outputs\""), r.text());
    }

    @Test
    void aBodyThatNoRouteReadIsNeverParsedAsARequest() throws Exception {
        // the body looks like a request and comes in the same packet as the head; the 404 is answered unread
        String inner = "GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n";
        RawHttp.Reply r = send("POST /v2/models/unknown/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                + "Content-Length: " + inner.length() + "\r\n\r\n" + inner);
        assertEquals(1, answers(r), r.text());
        assertEquals(404, r.status(), r.text());
        RawHttp.Reply kept = send("GET /v2/health/live HTTP/1.1\r\nHost: x\r\nContent-Length: " + inner.length() + "\r\n\r\n" + inner
                + "GET /v2/health/ready HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertEquals(2, answers(kept), "the body of a kept-alive request is skipped, the next request answered: " + kept.text());
        assertTrue(kept.text().contains("{\"ready\":true}"), kept.text());
    }

    @Test
    void aRequestPipelinedAfterConnectionCloseIsNotAnswered() throws Exception {
        RawHttp.Reply r = send("GET /v2/health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
                + "GET /v2/health/ready HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(1, answers(r), r.text());
        assertTrue(r.text().contains("{\"live\":true}") && r.closed(), r.text());
    }

    @Test
    void anHttp10RequestAfterAnHttp11OneOnTheSameConnectionIsAnswered() throws Exception {
        RawHttp.Reply r = send("GET /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\nGET /v2/health/ready HTTP/1.0\r\n\r\n");
        assertEquals(2, answers(r), r.text());
        assertTrue(r.text().contains("{\"live\":true}") && r.text().contains("{\"ready\":true}"), r.text());
        assertTrue(r.closed(), "HTTP/1.0 ends the connection");
    }

    @Test
    void aMethodThatIsNoTokenIs400() throws Exception {
        RawHttp.Reply r = send("G@T /v2 HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(400, r.status(), r.text());
        assertTrue(error(r).contains("'G@T'"), r.text());
        assertTrue(r.closed());
    }

    private static RawHttp.Reply chat(String messages) throws Exception {
        return send(post("/v1/chat/completions", "application/json", "{\"model\":\"m\",\"messages\":" + messages + "}"));
    }

    @Test
    void aChatBeyondWhatAPromptHoldsIsRefusedBeforeItIsBuilt() throws Exception {
        long generated = ENGINE.stats().generatedTokens();
        RawHttp.Reply many = chat("[" + String.join(",", java.util.Collections.nCopies(3000, "{\"role\":\"user\",\"content\":\"x\"}"))
                + "]");
        assertEquals(413, many.status(), many.text());
        assertTrue(JSON.readTree(many.body()).at("/error/message").asText().contains("more than 2048 messages"), many.body());
        RawHttp.Reply longOne = chat("[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"" + "y".repeat(70_000)
                + "\"}]}]");
        assertEquals(413, longOne.status(), longOne.text());
        assertTrue(longOne.body().contains("messages[0] holds 70"), longOne.body());
        RawHttp.Reply together = chat("[" + String.join(",", java.util.Collections.nCopies(3,
                "{\"role\":\"user\",\"content\":\"" + "z".repeat(30_000) + "\"}")) + "]");
        assertEquals(413, together.status(), together.text());
        RawHttp.Reply huge = chat("[{\"role\":\"user\",\"content\":\"hi\"}],\"chat_template_kwargs\":{\"d\":\""
                + "w".repeat(1_100_000) + "\"}");
        assertEquals(413, huge.status(), huge.text());
        assertTrue(huge.body().contains("chat body"), huge.body());
        assertEquals(generated, ENGINE.stats().generatedTokens(), "nothing was generated");
        assertEquals(200, chat("[{\"role\":\"user\",\"content\":\"hi\"}]").status());
    }

    @Test
    void aMethodInLowerCaseIsNotImplemented() throws Exception {
        RawHttp.Reply r = send("get /v2/health/live HTTP/1.1\r\nHost: x\r\n\r\n");
        assertEquals(501, r.status(), r.text());
        assertTrue(error(r).contains("case-sensitive"), r.text());
        assertTrue(r.closed());
    }

    @Test
    void anEncodedSlashInAModelNameIs400() throws Exception {
        RawHttp.Reply r = send(post("/v2/models/a%2Fb/infer", "application/json", INFER));
        assertEquals(400, r.status(), r.text());
        assertTrue(error(r).contains("%2F"), r.text());
        assertEquals(400, send("GET /v2/models/m%2f HTTP/1.1\r\nHost: x\r\n\r\n").status());
    }

    @Test
    void headAnswersWhatGetWouldWithoutTheContent() throws Exception {
        RawHttp.Reply get = send("GET /v2/models/m HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        RawHttp.Reply head = send("HEAD /v2/models/m HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertEquals(200, head.status(), head.text());
        assertEquals("", head.body());
        assertTrue(head.text().contains("Content-Length: " + get.body().getBytes(StandardCharsets.ISO_8859_1).length), head.text());
        assertEquals(200, send("HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status());
    }

    @Test
    void aKnownPathAskedWithAnotherMethodIs405WithAllow() throws Exception {
        RawHttp.Reply r = send("DELETE /v2/health/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertEquals(405, r.status(), r.text());
        assertTrue(r.text().contains("Allow: GET, HEAD"), r.text());
        RawHttp.Reply get = send("GET /v2/models/m/infer HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        assertEquals(405, get.status(), get.text());
        assertTrue(get.text().contains("Allow: POST"), get.text());
        assertEquals(404, send("GET /nowhere HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").status());
    }

    @Test
    void bodiesMustBeDeclaredJson() throws Exception {
        RawHttp.Reply form = send(post("/v2/models/m/infer", "application/x-www-form-urlencoded", INFER));
        assertEquals(415, form.status(), form.text());
        assertTrue(error(form).contains("application/json"), form.text());
        assertEquals(415, send(post("/v2/models/m/infer", "text/plain", INFER)).status());
        assertEquals(415, send(post("/v2/models/m/infer", "application/json; charset=iso-8859-1", INFER)).status());
        assertEquals(200, send(post("/v2/models/m/infer", "application/json; charset=utf-8", INFER)).status());
        assertEquals(200, send(post("/v2/models/m/infer", "application/vnd.kserve+json", INFER)).status());
    }

    @Test
    void aPostFromAWebPageOfAnotherOriginIsRefused() throws Exception {
        String unload = "POST /v2/repository/models/m/unload HTTP/1.1\r\nHost: 127.0.0.1:" + server.httpPort()
                + "\r\nContent-Length: 0\r\nConnection: close\r\n";
        RawHttp.Reply foreign = send(unload + "Origin: http://evil.example\r\n\r\n");
        assertEquals(403, foreign.status(), foreign.text());
        assertTrue(error(foreign).contains("http://evil.example"), foreign.text());
        assertEquals(200, send("GET /v2/health/ready HTTP/1.1\r\nHost: x\r\nOrigin: http://evil.example\r\nConnection: close\r\n\r\n")
                .status(), "reading is harmless (and the browser keeps the answer from the page)");
        RawHttp.Reply own = send(post("/v2/repository/index", "application/json", "{}").replace("Host: x",
                "Host: 127.0.0.1:" + server.httpPort() + "\r\nOrigin: http://127.0.0.1:" + server.httpPort()));
        assertEquals(200, own.status(), own.text());
    }

    @Test
    void anAnswerGivenBeforeTheBodyReachesAClientStillSendingIt() throws Exception {
        byte[] body = ("{\"inputs\":[{\"name\":\"c\",\"shape\":[1],\"datatype\":\"BYTES\",\"data\":[\""
                + "x".repeat(400_000) + "\"]}]}").getBytes(StandardCharsets.US_ASCII);
        try (Socket s = new Socket("127.0.0.1", server.httpPort())) {
            OutputStream out = s.getOutputStream();
            out.write(("POST /v2/models/unknown/infer HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                    + "Content-Length: " + body.length + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.write(body, 0, 1000);
            out.flush();
            Thread.sleep(300);
            // the 404 is out and the server will close: the rest of the body must not be met with a reset
            out.write(body, 1000, body.length - 1000);
            out.flush();
            RawHttp.Reply r = RawHttp.read(s, Duration.ofSeconds(3));
            assertEquals(404, r.status(), r.text());
            assertTrue(r.text().contains("Connection: close"), r.text());
        }
    }
}
