package dev.peftbench.ui;

import javafx.application.Application;

import java.util.List;

/**
 * Entry point of {@code ./peftbench ui}. Not an {@link Application} itself: with JavaFX on the class
 * path (not the module path) the launcher must be a plain class that hands over to {@link WorkbenchApp}.
 */
public final class WorkbenchLauncher {
    private WorkbenchLauncher() {
    }

    public static void main(String[] args) {
        try {
            LaunchOptions.parse(List.of(args));
        } catch (IllegalArgumentException e) {
            System.err.println("peftbench ui: " + e.getMessage());
            System.exit(2);
        }
        Application.launch(WorkbenchApp.class, args);
    }
}
