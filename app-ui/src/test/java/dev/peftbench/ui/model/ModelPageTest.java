package dev.peftbench.ui.model;

import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.ServedModel;
import dev.peftbench.ui.TestWindows;
import dev.peftbench.ui.WorkbenchWindow;
import javafx.scene.control.Button;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(ApplicationExtension.class)
class ModelPageTest {
    @TempDir
    static Path emptyFolder;

    private Stage stage;
    private WorkbenchWindow window;

    @Start
    void start(Stage stage) {
        this.stage = stage;
        window = TestWindows.open(stage);
    }

    @Test
    void opensWithTheBundledSampleAndAdapterPreselected(FxRobot robot) {
        assertTrue(window.model().baseModelProperty().get().endsWith("tiny-bloom"));
        assertTrue(window.model().adapterProperty().get().endsWith("tiny-bloom-prompt-tuning"));
        assertTrue(robot.lookup("#loadButton").query().isVisible());
    }

    @Test
    void loadingTheSampleShowsWhatTheEngineFound(FxRobot robot) {
        robot.clickOn("#loadButton");
        TestWindows.waitUntil(() -> !window.model().loadingProperty().get());

        ServedModel loaded = window.workbench().loadedModelProperty().get();
        assertNotNull(loaded, "load failed: " + window.model().errorProperty().get());
        assertEquals(loaded.base().architecture(), text(robot, "#fact-architecture"));
        assertEquals(loaded.base().vocabSize() + " tokens", text(robot, "#fact-vocabulary"));
        assertEquals(loaded.adapter().orElseThrow().peftType(), text(robot, "#fact-type"));
        assertEquals(String.valueOf(loaded.adapter().orElseThrow().settings().get("num_virtual_tokens")),
                text(robot, "#fact-num_virtual_tokens"));
    }

    @Test
    void aLoraAdapterShowsItsRankAndTargetModules(FxRobot robot) {
        robot.interact(() -> window.model().adapterProperty()
                .set(TestWindows.sampleModels().resolve("tiny-bloom-lora").toString()));
        robot.clickOn("#loadButton");
        TestWindows.waitUntil(() -> !window.model().loadingProperty().get());

        ServedModel loaded = window.workbench().loadedModelProperty().get();
        assertNotNull(loaded, "load failed: " + window.model().errorProperty().get());
        assertEquals("LORA", text(robot, "#fact-type"));
        assertEquals(String.valueOf(loaded.adapter().orElseThrow().settings().get("r")), text(robot, "#fact-r"));
        assertEquals(String.valueOf(loaded.adapter().orElseThrow().settings().get("target_modules")),
                text(robot, "#fact-target_modules"));
    }

    /** 8-bit weights are a dtype choice like the others; a LoRA adapter loads on top of them. */
    @Test
    void int8WeightsCanBeChosenAndLoadWithALoraAdapter(FxRobot robot) {
        @SuppressWarnings("unchecked")
        ChoiceBox<ComputeType> dtype = robot.lookup("#dtypeChoice").queryAs(ChoiceBox.class);
        assertTrue(dtype.getItems().contains(ComputeType.INT8), "offered: " + dtype.getItems());
        robot.interact(() -> {
            dtype.setValue(ComputeType.INT8);
            window.model().adapterProperty().set(TestWindows.sampleModels().resolve("tiny-bloom-lora").toString());
        });
        robot.clickOn("#loadButton");
        TestWindows.waitUntil(() -> !window.model().loadingProperty().get());

        ServedModel loaded = window.workbench().loadedModelProperty().get();
        assertNotNull(loaded, "load failed: " + window.model().errorProperty().get());
        assertEquals(ComputeType.INT8, loaded.spec().dtype());
        assertEquals("LORA", text(robot, "#fact-type"));
    }

    @Test
    void aBadModelFolderShowsAnErrorAndTheAppStaysUsable(FxRobot robot) throws Exception {
        Path notAModel = Files.createDirectories(emptyFolder.resolve("not-a-model"));
        String sample = window.model().baseModelProperty().get();
        robot.clickOn("#baseModelBox").press(KeyCode.CONTROL, KeyCode.A).release(KeyCode.A, KeyCode.CONTROL)
                .write(notAModel.toString());
        robot.clickOn("#loadButton");
        TestWindows.waitUntil(() -> !window.model().loadingProperty().get());

        String error = ((Label) robot.lookup("#modelErrorLabel").query()).getText();
        assertFalse(error.isBlank(), "an error message is shown");
        assertFalse(error.contains("Exception") || error.contains("\tat "), "no stack trace: " + error);
        assertNull(window.workbench().loadedModelProperty().get());

        robot.interact(() -> window.model().baseModelProperty().set(sample));
        robot.clickOn("#loadButton");
        TestWindows.waitUntil(() -> !window.model().loadingProperty().get());
        assertNotNull(window.workbench().loadedModelProperty().get(), "a good folder still loads: " + window.model().errorProperty().get());
        assertEquals("", window.model().errorProperty().get());
    }

    @Test
    void cancellingALoadLeavesNoModelLoadedAndTheAppUsable(FxRobot robot) throws Exception {
        // The load waits behind a task the test holds, so Cancel comes before the engine is asked.
        ExecutorService background = Executors.newSingleThreadExecutor();
        CountDownLatch hold = new CountDownLatch(1);
        background.submit(() -> {
            hold.await();
            return null;
        });
        robot.interact(() -> window = TestWindows.open(stage, TestWindows.workbench(background)));

        robot.clickOn("#loadButton");
        assertTrue(window.model().loadingProperty().get());
        robot.clickOn("#statusCancel");
        hold.countDown();
        TestWindows.waitUntil(() -> !window.model().loadingProperty().get());

        assertNull(window.workbench().loadedModelProperty().get());
        assertFalse(robot.lookup("#loadButton").queryAs(Button.class).isDisabled(), "Load can be pressed again");
        robot.clickOn("#loadButton");
        TestWindows.waitUntil(() -> !window.model().loadingProperty().get());
        assertNotNull(window.workbench().loadedModelProperty().get(), window.model().errorProperty().get());
        background.shutdownNow();
    }

    private static String text(FxRobot robot, String query) {
        return robot.lookup(query).queryAs(Label.class).getText();
    }
}
