package dev.peftbench.ui;

import dev.peftbench.engine.Engine;
import dev.peftbench.engine.EngineOptions;
import dev.peftbench.contract.ModelChoice;
import dev.peftbench.ui.model.HubCache;
import dev.peftbench.ui.publish.Cluster;
import javafx.application.Application;
import javafx.application.Platform;
import javafx.scene.control.Alert;
import javafx.scene.image.Image;
import javafx.stage.Stage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * The desktop app: one shared engine, the window, and the settings file. It opens with the last
 * model and adapter (the bundled sample on first run) and starts loading it at once, so a first run
 * works offline without touching anything.
 */
public final class WorkbenchApp extends Application {
    private static final Logger log = LoggerFactory.getLogger(WorkbenchApp.class);

    private SettingsStore settingsStore;
    private Workbench workbench;
    private WorkbenchWindow window;
    private boolean remember;

    @Override
    public void start(Stage stage) {
        // A bug in a handler must still reach the user as a sentence (the trace goes to the log), not kill the window.
        Thread.currentThread().setUncaughtExceptionHandler((thread, error) ->
                new Alert(Alert.AlertType.ERROR, UserMessage.of("That action", error)).show());
        LaunchOptions options = LaunchOptions.parse(getParameters().getRaw());
        settingsStore = new SettingsStore(options.settingsFile(),
                WorkbenchSettings.firstRun(WorkbenchSettings.firstRunModel(System.getenv())));
        // The screenshot run shows the bundled sample's first run and must not overwrite what the user chose.
        remember = options.screenshots() == null;
        WorkbenchSettings settings = !remember
                ? WorkbenchSettings.firstRun(ModelChoice.EntryPoint.UI_FIRST_RUN.defaults())
                : settingsStore.load();
        Engine engine;
        try {
            engine = new Engine(EngineOptions.defaults());
        } catch (RuntimeException e) {
            new Alert(Alert.AlertType.ERROR, UserMessage.of("The engine could not start", e)).showAndWait();
            Platform.exit();
            return;
        }
        workbench = new Workbench(engine, settings);
        window = new WorkbenchWindow(workbench, HubCache.standard(), Cluster.kubeconfig(), options.settingsFile());
        stage.setTitle("PEFT Workbench");
        stage.getIcons().add(new Image(WorkbenchApp.class.getResource("peftbench.png").toExternalForm()));
        stage.setScene(window.createScene(1280, 820));
        stage.show();
        ProcessHandle.current().info().startInstant().ifPresent(started ->
                log.info("window shown {} ms after the process started", Duration.between(started, Instant.now()).toMillis()));

        if (options.screenshots() != null) {
            new ScreenshotTour(window, stage.getScene(), options.screenshots()).start();
        } else if (Files.isDirectory(Path.of(settings.model().baseModel()))) {
            window.model().load();
        }
    }

    @Override
    public void stop() {
        if (remember && window != null) {
            settingsStore.save(window.currentSettings());
            log.info("Settings saved to {}", settingsStore.file());
        }
        if (window != null) {
            window.close();
        }
        if (workbench != null) {
            workbench.close();
        }
    }
}
