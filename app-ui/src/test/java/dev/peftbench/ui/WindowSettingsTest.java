package dev.peftbench.ui;

import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;

@ExtendWith(ApplicationExtension.class)
class WindowSettingsTest {
    @TempDir
    Path dir;

    private Stage stage;
    private WorkbenchWindow window;

    @Start
    void start(Stage stage) {
        this.stage = stage;
        window = TestWindows.open(stage);
    }

    @Test
    void theWindowReopensWithTheLastModelAdapterAndSettings(FxRobot robot) {
        robot.interact(() -> window.model().adapterProperty().set(""));
        robot.clickOn("#promptTab");
        replace(robot, "#inputArea", "remember me");
        replace(robot, "#maxNewTokensField", "23");
        replace(robot, "#temperatureField", "0.5");
        SettingsStore store = new SettingsStore(dir.resolve("settings.json"), window.workbench().initialSettings());
        store.save(window.currentSettings());

        robot.interact(() -> window = TestWindows.open(stage, new Workbench(TestWindows.engine(), store.load())));

        assertEquals("", window.model().adapterProperty().get());
        assertEquals("remember me", robot.lookup("#inputArea").queryAs(TextArea.class).getText());
        assertEquals("23", robot.lookup("#maxNewTokensField").queryAs(TextField.class).getText());
        assertEquals("0.5", robot.lookup("#temperatureField").queryAs(TextField.class).getText());
    }

    private static void replace(FxRobot robot, String query, String text) {
        robot.clickOn(query).press(KeyCode.CONTROL, KeyCode.A).release(KeyCode.A, KeyCode.CONTROL).write(text);
    }
}
