package dev.peftbench.ui;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class UiCommandTest {

    @Test
    void withoutADisplayOnLinuxTheLauncherSaysHowToRunInstead() {
        String problem = UiCommand.displayProblem(Map.of(), "Linux", null);
        assertTrue(problem != null && problem.contains("xvfb-run"), problem);
        assertNull(UiCommand.displayProblem(Map.of("DISPLAY", ":0"), "Linux", null));
        assertNull(UiCommand.displayProblem(Map.of(), "Linux", "Monocle"));
        assertNull(UiCommand.displayProblem(Map.of(), "Mac OS X", null));
    }
}
