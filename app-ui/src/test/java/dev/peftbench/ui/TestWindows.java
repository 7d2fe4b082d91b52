package dev.peftbench.ui;

import dev.peftbench.engine.hub.HubSettings;
import dev.peftbench.publish.cluster.PublishException;
import dev.peftbench.ui.model.HubCache;
import dev.peftbench.ui.publish.Cluster;
import io.fabric8.kubernetes.client.KubernetesClient;
import javafx.stage.Stage;
import org.testfx.util.WaitForAsyncUtils;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;

/** Opens the real window around the shared sample engine, as the app does, for TestFX tests. */
public final class TestWindows {
    private TestWindows() {
    }

    public static WorkbenchWindow open(Stage stage) {
        return open(stage, SampleEngine.workbench());
    }

    public static WorkbenchWindow open(Stage stage, Workbench workbench) {
        return open(stage, workbench, NO_CLUSTER);
    }

    /** Tests that do not publish have no cluster: the Publish page must say so, not reach a real one. */
    public static final Cluster NO_CLUSTER = new Cluster() {
        @Override
        public List<String> contexts() {
            return List.of();
        }

        @Override
        public KubernetesClient open(String context) {
            throw new PublishException("no cluster in this test");
        }
    };

    public static WorkbenchWindow open(Stage stage, Workbench workbench, Cluster cluster) {
        return open(stage, workbench, NO_HUB, cluster);
    }

    /** Tests that do not download have an empty cache and no Hub: nothing may reach the real one. */
    private static final HubCache NO_HUB = new HubCache(new HubSettings(URI.create("http://127.0.0.1:9"), null,
            List.of(Path.of("target", "no-hub-cache")), true));

    public static WorkbenchWindow open(Stage stage, Workbench workbench, HubCache hubCache, Cluster cluster) {
        WorkbenchWindow window = new WorkbenchWindow(workbench, hubCache, cluster);
        stage.setScene(window.createScene(1200, 800));
        stage.show();
        return window;
    }

    /** A workbench on the shared engine, opened with the first-run settings. */
    public static Workbench workbench() {
        return SampleEngine.workbench();
    }

    /** A workbench on the shared engine whose long actions run on {@code background}. */
    public static Workbench workbench(java.util.concurrent.ExecutorService background) {
        return new Workbench(SampleEngine.get(), WorkbenchSettings.firstRun(SampleEngine.sample()), background);
    }

    public static Path sampleModels() {
        return SampleEngine.MODELS;
    }

    public static dev.peftbench.engine.Engine engine() {
        return SampleEngine.get();
    }

    /** Waits (off the FX thread) until {@code condition} holds; fails the test after a minute. */
    public static void waitUntil(BooleanSupplier condition) {
        try {
            WaitForAsyncUtils.waitFor(60, TimeUnit.SECONDS, condition::getAsBoolean);
        } catch (TimeoutException e) {
            throw new AssertionError("condition not met within 60 s", e);
        }
        WaitForAsyncUtils.waitForFxEvents();
    }
}
