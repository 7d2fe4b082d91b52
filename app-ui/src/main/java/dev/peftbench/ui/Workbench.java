package dev.peftbench.ui;

import dev.peftbench.engine.Engine;
import dev.peftbench.engine.ServedModel;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.concurrent.Task;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every page shares: the one {@link Engine} of the app, the model currently loaded in it, the
 * status bar's {@link Activity} and the thread pool long actions run on (never the FX thread).
 * Tests build one around their own engine.
 */
public final class Workbench implements AutoCloseable {
    private final Engine engine;
    private final WorkbenchSettings initialSettings;
    private final ObjectProperty<ServedModel> loadedModel = new SimpleObjectProperty<>();
    private final Activity activity = new Activity();
    private final ExecutorService background;

    public Workbench(Engine engine, WorkbenchSettings initialSettings) {
        this(engine, initialSettings, daemonThreads());
    }

    /** With the threads long actions run on; tests pass one they control. */
    public Workbench(Engine engine, WorkbenchSettings initialSettings, ExecutorService background) {
        this.engine = engine;
        this.initialSettings = initialSettings;
        this.background = background;
    }

    private static ExecutorService daemonThreads() {
        AtomicInteger n = new AtomicInteger();
        // Daemon threads: a generation still running must not keep the JVM alive after the window closes.
        return Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "workbench-task-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }

    public Engine engine() {
        return engine;
    }

    /** The settings the window opened with; each view model starts from its part. */
    public WorkbenchSettings initialSettings() {
        return initialSettings;
    }

    /** The served model the Prompt and Serve pages use; null until the Model page loads one. */
    public ObjectProperty<ServedModel> loadedModelProperty() {
        return loadedModel;
    }

    public Activity activity() {
        return activity;
    }

    public void run(Task<?> task) {
        background.execute(task);
    }

    @Override
    public void close() {
        background.shutdownNow();
        engine.close();
    }
}
