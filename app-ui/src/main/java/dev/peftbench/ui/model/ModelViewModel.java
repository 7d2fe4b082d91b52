package dev.peftbench.ui.model;

import dev.peftbench.engine.Backend;
import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.Device;
import dev.peftbench.engine.Engine;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.engine.ServedModel;
import dev.peftbench.ui.UserMessage;
import dev.peftbench.ui.Workbench;
import dev.peftbench.ui.WorkbenchSettings.ModelChoice;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.concurrent.Task;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;

/**
 * The Model page's state: which base model and adapter to load and how, and loading them into the
 * shared engine on a background thread with progress. A successful load replaces the workbench's
 * loaded model (and frees the previous one).
 */
public final class ModelViewModel {
    private static final Logger log = LoggerFactory.getLogger(ModelViewModel.class);

    private final Workbench workbench;
    private final HubCache hubCache;
    private final StringProperty baseModel = new SimpleStringProperty("");
    private final StringProperty adapter = new SimpleStringProperty("");
    private final ObjectProperty<Device> device = new SimpleObjectProperty<>(Device.CPU);
    private final ObjectProperty<ComputeType> dtype = new SimpleObjectProperty<>(ComputeType.FLOAT32);
    private final ObjectProperty<Backend> backend = new SimpleObjectProperty<>(Backend.AUTO);
    private final ObservableList<String> cachedHubIds = FXCollections.observableArrayList();
    private final BooleanProperty loading = new SimpleBooleanProperty(false);
    private final DoubleProperty progress = new SimpleDoubleProperty(0);
    private final StringProperty progressMessage = new SimpleStringProperty("");
    private final StringProperty error = new SimpleStringProperty("");
    private final ObjectProperty<ModelFacts> facts = new SimpleObjectProperty<>();
    private Task<ServedModel> loadTask;

    public ModelViewModel(Workbench workbench, HubCache hubCache) {
        this.workbench = workbench;
        this.hubCache = hubCache;
        ModelChoice saved = workbench.initialSettings().model();
        baseModel.set(saved.baseModel());
        adapter.set(saved.adapter());
        device.set(parseOr(() -> Device.parse(saved.device()), Device.CPU));
        dtype.set(parseOr(() -> ComputeType.parse(saved.dtype()), ComputeType.FLOAT32));
        backend.set(parseOr(() -> Backend.parse(saved.backend()), Backend.AUTO));
        refreshHubCache();
    }

    /** Where the cache was looked for, for the "nothing cached" hint. */
    public String hubCacheLocation() {
        return hubCache.location();
    }

    private void refreshHubCache() {
        cachedHubIds.setAll(hubCache.modelIds());
    }

    /** Starts loading the chosen model and adapter; the result lands in the workbench's loaded model. */
    public void load() {
        if (loading.get()) {
            return;
        }
        error.set("");
        ModelSpec spec;
        try {
            spec = new ModelSpec(baseModel.get().trim(), adapter.get().trim(), null, device.get(), dtype.get(),
                    backend.get(), ModelSpec.DEFAULT_MAX_PROMPT_TOKENS);
        } catch (RuntimeException e) {
            error.set(UserMessage.of("Cannot load", e));
            return;
        }
        String name = servedName(spec);
        ServedModel previous = workbench.loadedModelProperty().get();
        Engine engine = workbench.engine();
        Task<ServedModel> task = new Task<>() {
            @Override
            protected ServedModel call() {
                updateMessage("Loading " + name + "…");
                updateProgress(-1, 1);
                ServedModel loaded = engine.load(name, spec, (fraction, message) -> {
                    updateProgress(fraction, 1);
                    updateMessage(message);
                });
                if (isCancelled()) {
                    // The user gave up on this load: free it, unless it replaced the model already in use.
                    if (previous == null || !previous.name().equals(name)) {
                        engine.unload(name);
                    }
                    return null;
                }
                if (previous != null && !previous.name().equals(name)) {
                    engine.unload(previous.name());
                }
                return loaded;
            }
        };
        task.setOnSucceeded(e -> {
            ServedModel loaded = task.getValue();
            facts.set(ModelFacts.of(loaded.base(), loaded.adapter().orElse(null)));
            workbench.loadedModelProperty().set(loaded);
            // Last, so whoever waits for the load to end sees the new model already in place.
            loading.set(false);
            workbench.activity().finish(task, "Loaded " + loaded.name());
            log.info("Loaded {} ({})", loaded.name(), spec.baseModel());
        });
        task.setOnFailed(e -> {
            loading.set(false);
            error.set(UserMessage.of("Could not load the model", task.getException()));
            workbench.activity().finish(task, "Load failed");
        });
        task.setOnCancelled(e -> {
            loading.set(false);
            workbench.activity().finish(task, "Load cancelled");
        });
        progress.bind(task.progressProperty());
        progressMessage.bind(task.messageProperty());
        loading.set(true);
        loadTask = task;
        workbench.activity().track(task, this::cancel);
        workbench.run(task);
    }

    public void cancel() {
        if (loadTask != null && !loadTask.isDone()) {
            // No interrupt: the engine may be reading memory-mapped weights, which an interrupt would close
            // under it. The load finishes in the background and is then dropped.
            loadTask.cancel(false);
        }
    }

    /** The served name: the adapter's folder name when there is one (it is what the user tuned), else the model's. */
    static String servedName(ModelSpec spec) {
        String source = spec.adapter() != null ? spec.adapter() : spec.baseModel();
        String last = Path.of(source.replace('\\', '/')).getFileName().toString();
        String name = last.replaceAll("[^A-Za-z0-9._-]", "-");
        return name.isEmpty() ? "model" : name;
    }

    public ModelChoice choice() {
        return new ModelChoice(baseModel.get(), adapter.get(), device.get().name(), dtype.get().label(),
                backend.get().name());
    }

    private static <T> T parseOr(java.util.function.Supplier<T> parse, T fallback) {
        try {
            return parse.get();
        } catch (RuntimeException e) {
            return fallback;
        }
    }

    public StringProperty baseModelProperty() {
        return baseModel;
    }

    public StringProperty adapterProperty() {
        return adapter;
    }

    public ObjectProperty<Device> deviceProperty() {
        return device;
    }

    public ObjectProperty<ComputeType> dtypeProperty() {
        return dtype;
    }

    public ObjectProperty<Backend> backendProperty() {
        return backend;
    }

    public ObservableList<String> cachedHubIds() {
        return cachedHubIds;
    }

    public ReadOnlyBooleanProperty loadingProperty() {
        return loading;
    }

    public DoubleProperty progressProperty() {
        return progress;
    }

    public StringProperty progressMessageProperty() {
        return progressMessage;
    }

    public StringProperty errorProperty() {
        return error;
    }

    public ObjectProperty<ModelFacts> factsProperty() {
        return facts;
    }
}
