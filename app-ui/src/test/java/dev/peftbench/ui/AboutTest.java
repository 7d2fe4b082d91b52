package dev.peftbench.ui;

import dev.peftbench.contract.BuildInfo;
import javafx.scene.control.TextArea;
import javafx.stage.Stage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(ApplicationExtension.class)
class AboutTest {

    @Start
    void start(Stage stage) {
        TestWindows.open(stage);
    }

    @Test
    void aboutNamesTheBuildAndWhereSettingsLogsAndModelsAre(FxRobot robot) {
        robot.clickOn("#aboutButton");
        String text = robot.lookup("#aboutText").queryAs(TextArea.class).getText();
        assertTrue(text.contains("peftbench " + BuildInfo.current().version() + " (commit "), text);
        assertTrue(text.contains("runtime: Java " + Runtime.version()), text);
        assertTrue(text.contains("Settings: " + SettingsStore.defaultFile()), text);
        assertTrue(text.contains("Log: " + AppFolders.current().logFile()), text);
        assertTrue(text.contains("Models (Hugging Face cache): "), text);
    }
}
