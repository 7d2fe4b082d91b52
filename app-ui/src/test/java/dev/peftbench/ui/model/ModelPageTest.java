package dev.peftbench.ui.model;

import dev.peftbench.engine.ServedModel;
import dev.peftbench.ui.TestWindows;
import dev.peftbench.ui.WorkbenchWindow;
import javafx.scene.control.Button;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(ApplicationExtension.class)
class ModelPageTest {
    @TempDir
    static Path emptyFolder;

    private WorkbenchWindow window;

    @Start
    void start(Stage stage) {
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
    void cancellingALoadLeavesNoModelLoadedAndTheAppUsable(FxRobot robot) {
        robot.interact(() -> {
            robot.lookup("#loadButton").queryAs(Button.class).fire();
            robot.lookup("#cancelLoadButton").queryAs(Button.class).fire();
        });
        TestWindows.waitUntil(() -> !window.model().loadingProperty().get());

        assertNull(window.workbench().loadedModelProperty().get());
        assertTrue(robot.lookup("#loadButton").queryAs(Button.class).isVisible());
        assertFalse(robot.lookup("#loadButton").queryAs(Button.class).isDisabled(), "Load can be pressed again");
    }

    private static String text(FxRobot robot, String query) {
        return robot.lookup(query).queryAs(Label.class).getText();
    }
}
