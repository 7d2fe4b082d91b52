package dev.peftbench.ui;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WorkbenchLogTest {

    @TempDir
    Path dir;

    @Test
    void theWindowsLogLinesLandInTheFileUntilClosed() throws Exception {
        Path file = dir.resolve("state").resolve("logs").resolve("peftbench.log");
        try (WorkbenchLog ignored = WorkbenchLog.toFile(file)) {
            LoggerFactory.getLogger("dev.peftbench.ui.SomePage").info("loaded the model");
        }
        LoggerFactory.getLogger("dev.peftbench.ui.SomePage").info("after closing");
        String written = Files.readString(file);
        assertTrue(written.contains("INFO ") && written.contains("loaded the model"), written);
        assertFalse(written.contains("after closing"), written);
    }
}
