package dev.peftbench.ui;

import java.nio.file.Files;
import java.nio.file.Path;

/** Where the bundled sample models are: under {@code peftbench.home} (set by ./peftbench), else found from the working directory up. */
public final class SampleModels {
    private SampleModels() {
    }

    public static Path folder() {
        String home = System.getProperty("peftbench.home");
        if (home != null && !home.isBlank()) {
            return Path.of(home, "sample-data", "models");
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("sample-data").resolve("models");
            if (Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return Path.of("sample-data", "models").toAbsolutePath();
    }
}
