package dev.peftbench.ui.model;

import dev.peftbench.engine.Engine;
import dev.peftbench.engine.EngineOptions;
import dev.peftbench.engine.ServedModel;
import dev.peftbench.engine.hub.FakeHub;
import dev.peftbench.engine.hub.HubSettings;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.ui.TestWindows;
import dev.peftbench.ui.Workbench;
import dev.peftbench.ui.WorkbenchSettings;
import dev.peftbench.ui.WorkbenchWindow;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Model page downloads Hub ids from a fake Hub into a cache of the test's, with progress and Cancel. */
@ExtendWith(ApplicationExtension.class)
class ModelDownloadTest {
    private static final Path MODELS = TestWindows.sampleModels();

    @TempDir
    static Path cache;

    private final FakeHub hub = FakeHub.start()
            .serve("bigscience/tiny-bloom", MODELS.resolve("tiny-bloom"))
            .serve("aipipeline/tiny-pt", MODELS.resolve("tiny-bloom-prompt-tuning"));
    private WorkbenchWindow window;

    @Start
    void start(Stage stage) {
        HubSettings settings = new HubSettings(hub.endpoint(), null, List.of(cache.resolve(String.valueOf(System.nanoTime()))), false);
        Workbench workbench = new Workbench(new Engine(new EngineOptions(8, 4, 2), settings), WorkbenchSettings.firstRun(
                ModelFields.of(MODELS.resolve("tiny-bloom").toString(), MODELS.resolve("tiny-bloom-prompt-tuning").toString())));
        window = TestWindows.open(stage, workbench, new HubCache(settings), TestWindows.NO_CLUSTER);
    }

    @AfterEach
    void stop() {
        window.workbench().close();
        hub.close();
    }

    private void type(FxRobot robot, String base, String adapter) {
        robot.interact(() -> {
            window.model().baseModelProperty().set(base);
            window.model().adapterProperty().set(adapter);
        });
    }

    @Test
    void downloadingHubIdsListsThemAndTheyLoadWithoutTheNetwork(FxRobot robot) {
        assertTrue(robot.lookup("#downloadButton").queryAs(Button.class).isDisabled(), "the sample folders are nothing to download");
        type(robot, "bigscience/tiny-bloom", "aipipeline/tiny-pt");
        assertFalse(robot.lookup("#downloadButton").queryAs(Button.class).isDisabled());

        robot.clickOn("#downloadButton");
        TestWindows.waitUntil(() -> !window.model().downloadingProperty().get());

        assertEquals("", window.model().errorProperty().get());
        assertEquals(List.of("aipipeline/tiny-pt", "bigscience/tiny-bloom"), List.copyOf(window.model().cachedHubIds()));
        assertTrue(robot.lookup("#hubCacheLabel").queryAs(Label.class).getText().startsWith("2 models"));
        assertEquals("Downloaded bigscience/tiny-bloom, aipipeline/tiny-pt", window.workbench().activity().messageProperty().get());

        int requests = hub.requests().size();
        robot.clickOn("#loadButton");
        TestWindows.waitUntil(() -> !window.model().loadingProperty().get());
        ServedModel loaded = window.workbench().loadedModelProperty().get();
        assertNotNull(loaded, window.model().errorProperty().get());
        assertEquals("PROMPT_TUNING", loaded.adapter().orElseThrow().peftType());
        assertEquals(requests, hub.requests().size(), "loading the downloaded ids asks the Hub nothing");
    }

    @Test
    void cancelStopsADownloadKeepingWhatArrivedAndDownloadResumesIt(FxRobot robot) throws Exception {
        CountDownLatch release = hub.holdAfter("model.safetensors", 100_000);
        type(robot, "bigscience/tiny-bloom", "");

        robot.clickOn("#downloadButton");
        TestWindows.waitUntil(() -> partialBytes() >= 100_000);
        assertTrue(robot.lookup("#downloadProgress").query().isVisible());
        robot.clickOn("#cancelDownloadButton");
        TestWindows.waitUntil(() -> !window.model().downloadingProperty().get());

        assertTrue(window.workbench().activity().messageProperty().get().startsWith("Download cancelled"));
        assertEquals(List.of(), List.copyOf(window.model().cachedHubIds()));
        assertEquals(100_000, partialBytes());

        release.countDown();
        robot.clickOn("#downloadButton");
        TestWindows.waitUntil(() -> !window.model().downloadingProperty().get());
        assertEquals(List.of("bigscience/tiny-bloom"), List.copyOf(window.model().cachedHubIds()), window.model().errorProperty().get());
        assertEquals("bytes=100000-", hub.requests().stream().filter(r -> r.path().startsWith("/lfs/")).toList().getLast().range());
    }

    @Test
    void aRefusedDownloadIsExplainedOnThePage(FxRobot robot) {
        hub.gate("bigscience/tiny-bloom", "hf_needed");
        type(robot, "bigscience/tiny-bloom", "");

        robot.clickOn("#downloadButton");
        TestWindows.waitUntil(() -> !window.model().downloadingProperty().get());

        String error = robot.lookup("#modelErrorLabel").queryAs(Label.class).getText();
        assertTrue(error.contains("HF_TOKEN") && error.contains("licence"), error);
        assertFalse(error.contains("Exception"), error);
    }

    private long partialBytes() {
        try (var files = Files.walk(cache)) {
            return files.filter(f -> f.toString().endsWith(".incomplete")).mapToLong(f -> f.toFile().length()).sum();
        } catch (Exception e) {
            return 0;
        }
    }
}
