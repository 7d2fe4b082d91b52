package dev.peftbench.ui;

import dev.peftbench.contract.BuildInfo;

import java.nio.file.Path;

/**
 * What Help › About tells a user: which build runs on which Java, and where the workbench keeps its settings,
 * its log and the models it downloads.
 */
public record About(BuildInfo build, Path settingsFile, Path logFile, String modelCache) {

    public String title() {
        return "PEFT Workbench " + build.version();
    }

    public String text() {
        return String.join("\n", build.describe()) + "\n\n"
                + "Settings: " + settingsFile + "\n"
                + "Log: " + logFile + "\n"
                + "Models (Hugging Face cache): " + modelCache;
    }
}
