package dev.peftbench.ui.model;

import dev.peftbench.contract.ModelFields;
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
import java.util.List;
import java.util.stream.Stream;

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
    private final StringProperty hubCacheHint = new SimpleStringProperty("");
    private final BooleanProperty downloading = new SimpleBooleanProperty(false);
    private final DoubleProperty downloadProgress = new SimpleDoubleProperty(0);
    private final StringProperty downloadMessage = new SimpleStringProperty("");
    private Task<ServedModel> loadTask;
    private Task<List<String>> downloadTask;

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

    private void refreshHubCache() {
        cachedHubIds.setAll(hubCache.modelIds());
        hubCacheHint.set(cachedHubIds.isEmpty()
                ? "No models in the Hugging Face cache (" + hubCache.location() + "): choose a folder, or type a Hub id "
                        + "(e.g. bigscience/bloomz-560m) and Download it."
                : cachedHubIds.size() + " models in the Hugging Face cache: pick one from the list, or type a Hub id and Download it.");
    }

    /** The Hub ids typed as base model and adapter that are no folders here: what Download fetches. */
    public List<String> hubIdsToDownload() {
        return Stream.of(baseModel.get(), adapter.get()).filter(HubCache::isHubId).map(String::strip).distinct().toList();
    }

    /**
     * Downloads the Hub ids typed as base model and adapter into the cache (only the files a load needs)
     * on a background thread with progress; then they are listed. Cancel stops it at once and keeps what
     * arrived, which the next download resumes.
     */
    public void download() {
        if (downloading.get()) {
            return;
        }
        List<String> ids = hubIdsToDownload();
        if (ids.isEmpty()) {
            error.set("Nothing to download: type a Hub id (ORG/NAME, e.g. bigscience/bloomz-560m) as base model or adapter.");
            return;
        }
        error.set("");
        Task<List<String>> task = new Task<>() {
            @Override
            protected List<String> call() {
                for (String id : ids) {
                    updateMessage("Downloading " + id + "…");
                    updateProgress(-1, 1);
                    hubCache.download(id, p -> {
                        updateProgress(p.fraction(), 1);
                        updateMessage(id + ": " + p.describe());
                    });
                }
                return ids;
            }
        };
        task.setOnSucceeded(e -> {
            refreshHubCache();
            finish(task, downloading, "Downloaded " + String.join(", ", ids));
            log.info("Downloaded {}", ids);
        });
        task.setOnFailed(e -> {
            refreshHubCache();
            error.set(UserMessage.of("Could not download", task.getException()));
            finish(task, downloading, "Download failed");
        });
        task.setOnCancelled(e -> {
            refreshHubCache();
            finish(task, downloading, "Download cancelled: what arrived is kept, Download resumes it");
        });
        downloadTask = task;
        start(task, downloading, downloadProgress, downloadMessage, this::cancelDownload);
    }

    /** Runs {@code task} off the FX thread: its progress and message shown, {@code busy} meanwhile, Cancel in the status bar. */
    private void start(Task<?> task, BooleanProperty busy, DoubleProperty progressShown, StringProperty messageShown, Runnable cancel) {
        progressShown.bind(task.progressProperty());
        messageShown.bind(task.messageProperty());
        busy.set(true);
        workbench.activity().track(task, cancel);
        workbench.run(task);
    }

    private void finish(Task<?> task, BooleanProperty busy, String statusText) {
        busy.set(false);
        workbench.activity().finish(task, statusText);
    }

    public void cancelDownload() {
        if (downloadTask != null && !downloadTask.isDone()) {
            // Unlike a load, a download may be interrupted: it stops and keeps its partial files.
            downloadTask.cancel(true);
        }
    }

    /** Starts loading the chosen model and adapter; the result lands in the workbench's loaded model. */
    public void load() {
        if (loading.get()) {
            return;
        }
        error.set("");
        ModelSpec spec;
        try {
            spec = spec();
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
            // The load may have downloaded a Hub id.
            refreshHubCache();
            ServedModel loaded = task.getValue();
            facts.set(ModelFacts.of(loaded.base(), loaded.adapter().orElse(null)));
            workbench.loadedModelProperty().set(loaded);
            // Last, so whoever waits for the load to end sees the new model already in place.
            finish(task, loading, "Loaded " + loaded.name());
            log.info("Loaded {} ({})", loaded.name(), spec.baseModel());
        });
        task.setOnFailed(e -> {
            error.set(UserMessage.of("Could not load the model", task.getException()));
            finish(task, loading, "Load failed");
        });
        task.setOnCancelled(e -> finish(task, loading, "Load cancelled"));
        loadTask = task;
        start(task, loading, progress, progressMessage, this::cancel);
    }

    /**
     * The page's fields as the model-choice table's {@code UI_LOAD} row chooses over them: with no base
     * model given, the adapter's own base model.
     */
    ModelSpec spec() {
        ModelFields typed = new ModelFields(baseModel.get(), adapter.get(), null, null, null, dtype.get(), backend.get(),
                device.get());
        return dev.peftbench.contract.ModelChoice.choose(dev.peftbench.contract.ModelChoice.EntryPoint.UI_LOAD,
                dev.peftbench.contract.ModelChoice.Said.NOTHING.withRequest(typed)).fields().spec();
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

    public StringProperty hubCacheHintProperty() {
        return hubCacheHint;
    }

    public ReadOnlyBooleanProperty downloadingProperty() {
        return downloading;
    }

    public DoubleProperty downloadProgressProperty() {
        return downloadProgress;
    }

    public StringProperty downloadMessageProperty() {
        return downloadMessage;
    }
}
