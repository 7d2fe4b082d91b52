package dev.peftbench.ui;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkbenchLauncherTest {

    @Test
    void withoutADisplayOnLinuxTheLauncherSaysHowToRunInstead() {
        String problem = WorkbenchLauncher.displayProblem(Map.of(), "Linux", null);
        assertTrue(problem != null && problem.contains("xvfb-run"), problem);
        assertNull(WorkbenchLauncher.displayProblem(Map.of("DISPLAY", ":0"), "Linux", null));
        assertNull(WorkbenchLauncher.displayProblem(Map.of(), "Linux", "Monocle"));
        assertNull(WorkbenchLauncher.displayProblem(Map.of(), "Mac OS X", null));
    }
}
