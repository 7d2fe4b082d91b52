package dev.peftbench.ui;

import dev.peftbench.ui.evaluate.EvaluatePageController;
import dev.peftbench.ui.evaluate.EvaluateViewModel;
import dev.peftbench.ui.model.HubCache;
import dev.peftbench.ui.model.ModelPageController;
import dev.peftbench.ui.model.ModelViewModel;
import dev.peftbench.ui.prompt.PromptPageController;
import dev.peftbench.ui.prompt.PromptViewModel;
import dev.peftbench.ui.publish.Cluster;
import dev.peftbench.ui.publish.PublishPageController;
import dev.peftbench.ui.publish.PublishViewModel;
import dev.peftbench.ui.serve.ServePageController;
import dev.peftbench.ui.serve.ServeViewModel;
import dev.peftbench.ui.tune.TunePageController;
import dev.peftbench.ui.tune.TuneViewModel;
import dev.peftbench.contract.BuildInfo;
import javafx.fxml.FXMLLoader;
import javafx.scene.Parent;
import javafx.scene.Scene;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * Builds the window's scene from FXML, handing each controller its view model (FXML's controller
 * factory), so the app and the tests assemble exactly the same window around a given {@link Workbench}.
 */
public final class WorkbenchWindow {
    private final Workbench workbench;
    private final ModelViewModel model;
    private final PromptViewModel prompt;
    private final ServeViewModel serve;
    private final PublishViewModel publish;
    private final TuneViewModel tune;
    private final EvaluateViewModel evaluate;
    private final Parent root;
    private final ShellController shell;
    private final About about;

    /** The window with the About of this user's folders (tests and the app with its default settings file). */
    public WorkbenchWindow(Workbench workbench, HubCache hubCache, Cluster cluster) {
        this(workbench, hubCache, cluster, SettingsStore.defaultFile());
    }

    /** The window whose settings are kept in {@code settingsFile} (what About names). */
    public WorkbenchWindow(Workbench workbench, HubCache hubCache, Cluster cluster, Path settingsFile) {
        this.workbench = workbench;
        this.about = new About(BuildInfo.current(), settingsFile, AppFolders.current().logFile(), hubCache.location());
        this.model = new ModelViewModel(workbench, hubCache);
        this.prompt = new PromptViewModel(workbench);
        this.serve = new ServeViewModel(workbench, prompt.inputProperty());
        this.publish = new PublishViewModel(workbench, cluster);
        this.tune = new TuneViewModel(workbench, model, prompt, publish, hubCache.settings());
        this.evaluate = new EvaluateViewModel(workbench, model, prompt, hubCache);
        FXMLLoader loader = new FXMLLoader(WorkbenchWindow.class.getResource("MainWindow.fxml"));
        loader.setControllerFactory(this::controllerFor);
        try {
            root = loader.load();
        } catch (IOException e) {
            throw new UncheckedIOException("the window layout (MainWindow.fxml) could not be read", e);
        }
        shell = loader.getController();
        tune.onShowPrompt(() -> shell.show(ShellController.Page.PROMPT));
        evaluate.onShowPrompt(() -> shell.show(ShellController.Page.PROMPT));
    }

    private Object controllerFor(Class<?> type) {
        if (type == ShellController.class) return new ShellController(workbench, about);
        if (type == ModelPageController.class) return new ModelPageController(model);
        if (type == PromptPageController.class) return new PromptPageController(prompt, workbench);
        if (type == ServePageController.class) return new ServePageController(serve);
        if (type == PublishPageController.class) return new PublishPageController(publish);
        if (type == TunePageController.class) return new TunePageController(tune);
        if (type == EvaluatePageController.class) return new EvaluatePageController(evaluate);
        throw new IllegalArgumentException("no controller wiring for " + type.getName());
    }

    public Scene createScene(double width, double height) {
        Scene scene = new Scene(root, width, height);
        scene.getStylesheets().add(WorkbenchWindow.class.getResource("workbench.css").toExternalForm());
        return scene;
    }

    /** What to remember for next time: the saved settings with every page's current choices. */
    public WorkbenchSettings currentSettings() {
        return workbench.initialSettings().withModel(model.choice()).withPrompt(prompt.choice())
                .withServe(serve.choice()).withPublish(publish.choice());
    }

    /**
     * Stops what the window started that outlives it (the embedded server, a tuning run, which writes its adapter
     * first, an evaluation).
     */
    public void close() {
        serve.shutdown();
        tune.shutdown();
        evaluate.shutdown();
    }

    public Workbench workbench() {
        return workbench;
    }

    public ShellController shell() {
        return shell;
    }

    public ModelViewModel model() {
        return model;
    }

    public PromptViewModel prompt() {
        return prompt;
    }

    public ServeViewModel serve() {
        return serve;
    }

    public PublishViewModel publish() {
        return publish;
    }

    public TuneViewModel tune() {
        return tune;
    }

    public EvaluateViewModel evaluate() {
        return evaluate;
    }
}
