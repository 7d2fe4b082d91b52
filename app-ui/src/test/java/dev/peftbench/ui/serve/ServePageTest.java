package dev.peftbench.ui.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.engine.GenerationRequest;
import dev.peftbench.engine.GenerationResult;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.engine.ServedModel;
import dev.peftbench.engine.TokenListener;
import dev.peftbench.ui.ShellController;
import dev.peftbench.ui.TestWindows;
import dev.peftbench.ui.WorkbenchWindow;
import javafx.scene.control.TextArea;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(ApplicationExtension.class)
class ServePageTest {
    private static ServedModel sample;
    private WorkbenchWindow window;

    @BeforeAll
    static void loadSample() {
        sample = TestWindows.engine().load("serve-page-sample", ModelSpec.of(
                TestWindows.sampleModels().resolve("tiny-bloom").toString(),
                TestWindows.sampleModels().resolve("tiny-bloom-prompt-tuning").toString(), null), (f, m) -> { });
    }

    @Start
    void start(Stage stage) {
        window = TestWindows.open(stage);
        window.workbench().loadedModelProperty().set(sample);
        window.shell().show(ShellController.Page.SERVE);
    }

    @AfterEach
    void closeServer() {
        window.close();
    }

    @Test
    void theServerStartedFromThePageAnswersTheCurlRequestAndStops(FxRobot robot) throws Exception {
        // Port 0: any free port, so the test never collides with a running server.
        replace(robot, "#httpPortField", "0");
        replace(robot, "#grpcPortField", "0");
        ServedModel loaded = TestWindows.engine().find(sample.name()).orElseThrow();
        robot.clickOn("#startServerButton");
        TestWindows.waitUntil(() -> window.serve().stateProperty().get() != ServerState.STARTING);
        assertEquals(ServerState.RUNNING, window.serve().stateProperty().get(), window.serve().errorProperty().get());

        String curl = robot.lookup("#curlArea").queryAs(TextArea.class).getText();
        Matcher parts = Pattern.compile("curl -s -X POST (\\S+) .*-H 'Authorization: Bearer (\\S+)'.*-d '(.*)'",
                Pattern.DOTALL).matcher(curl);
        assertTrue(parts.find(), curl);
        HttpResponse<String> answer;
        try (HttpClient http = HttpClient.newHttpClient()) {
            HttpResponse<String> withoutKey = http.send(HttpRequest.newBuilder(URI.create(parts.group(1)))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(parts.group(3))).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(401, withoutKey.statusCode(), "the workbench's server wants its key");
            answer = http.send(HttpRequest.newBuilder(URI.create(parts.group(1)))
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + parts.group(2))
                    .POST(HttpRequest.BodyPublishers.ofString(parts.group(3))).build(), HttpResponse.BodyHandlers.ofString());
        }

        assertEquals(200, answer.statusCode(), answer.body());
        JsonNode output = new ObjectMapper().readTree(answer.body()).path("outputs").path(0);
        String text = new String(Base64.getDecoder().decode(output.path("contents").path("bytesContents").path(0).asText()),
                StandardCharsets.UTF_8);
        GenerationResult expected = TestWindows.engine().generate(
                GenerationRequest.of(sample.name(), window.prompt().inputProperty().get(), null), TokenListener.NONE);
        assertEquals(expected.text(), text);
        TestWindows.waitUntil(() -> !window.serve().requests().isEmpty());
        assertEquals(sample.name(), window.serve().requests().getFirst().model());
        assertTrue(window.serve().requests().getFirst().status().startsWith("ok"));
        // the call without the key counts too: a request, and an error (401)
        TestWindows.waitUntil(() -> window.serve().metricsProperty().get().startsWith("requests 2 "));
        assertTrue(window.serve().metricsProperty().get().contains("errors 1"), window.serve().metricsProperty().get());
        assertSame(loaded, TestWindows.engine().find(sample.name()).orElseThrow(), "the server serves the model as loaded");

        int port = URI.create(parts.group(1)).getPort();
        robot.clickOn("#stopServerButton");
        TestWindows.waitUntil(() -> window.serve().stateProperty().get() == ServerState.STOPPED);
        assertThrows(ConnectException.class, () -> get("http://localhost:" + port + "/v2/health/live"));
        assertTrue(TestWindows.engine().find(sample.name()).isPresent(), "stopping the server keeps the Prompt page's model");
    }

    @Test
    void aBadPortIsExplainedAndNothingStarts(FxRobot robot) {
        replace(robot, "#httpPortField", "eighty");
        robot.clickOn("#startServerButton");

        assertEquals(ServerState.STOPPED, window.serve().stateProperty().get());
        assertFalse(window.serve().errorProperty().get().isBlank());
        assertTrue(window.serve().errorProperty().get().contains("HTTP port"), window.serve().errorProperty().get());
    }

    private static void get(String url) throws IOException, InterruptedException {
        try (HttpClient http = HttpClient.newHttpClient()) {
            http.send(HttpRequest.newBuilder(URI.create(url)).GET().build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private static void replace(FxRobot robot, String query, String text) {
        robot.clickOn(query).press(KeyCode.CONTROL, KeyCode.A).release(KeyCode.A, KeyCode.CONTROL).write(text);
    }
}
