package dev.peftbench.ui.evaluate;

import dev.peftbench.engine.Engine;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.engine.ServedModel;
import dev.peftbench.engine.eval.EvalMode;
import dev.peftbench.engine.eval.EvalReport;
import dev.peftbench.engine.eval.EvalRequest;
import dev.peftbench.engine.eval.EvalRow;
import dev.peftbench.engine.eval.EvalRun;
import dev.peftbench.engine.eval.LabelSet;
import dev.peftbench.engine.eval.PredictionsCsv;
import dev.peftbench.engine.eval.RowOutcome;
import dev.peftbench.engine.generate.PromptTemplate;
import dev.peftbench.engine.train.DataFile;
import dev.peftbench.ui.Activity;
import dev.peftbench.ui.ColumnGuess;
import dev.peftbench.ui.UserMessage;
import dev.peftbench.ui.Workbench;
import dev.peftbench.ui.model.HubCache;
import dev.peftbench.ui.model.ModelViewModel;
import dev.peftbench.ui.prompt.PromptMode;
import dev.peftbench.ui.prompt.PromptViewModel;
import dev.peftbench.ui.prompt.TemplateKind;
import javafx.application.Platform;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyDoubleProperty;
import javafx.beans.property.ReadOnlyStringProperty;
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

import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Evaluate page's state and actions: labelled data, the label set and the adapters to compare, run through the
 * engine's evaluator ({@link EvalRun}, what {@code peftbench eval} runs) one adapter after the other on the loaded
 * base model, off the FX thread. Adapters other than the loaded one are loaded beside it for the run (the engine
 * shares the base model's weights) and unloaded after. Cancel, closing the window or loading another model stops
 * after the rows under way; what was evaluated stays, marked partial. Export writes eval's {@code predictions.csv}.
 */
public final class EvaluateViewModel {
    private static final Logger log = LoggerFactory.getLogger(EvaluateViewModel.class);
    /** What extra adapters are served as while a run evaluates them. */
    private static final String EXTRA_NAME = "evaluate-";
    static final String CSV_FILE = "predictions.csv";
    static final String PNG_FILE = "charts.png";

    private final Workbench workbench;
    private final ModelViewModel model;
    private final PromptViewModel prompt;
    private final HubCache hubCache;
    private final StringProperty dataFile = new SimpleStringProperty("");
    private final ObservableList<String> columns = FXCollections.observableArrayList();
    private final StringProperty dataSummary = new SimpleStringProperty("");
    private final StringProperty textColumn = new SimpleStringProperty();
    private final StringProperty labelColumn = new SimpleStringProperty();
    private final StringProperty template = new SimpleStringProperty("seed");
    private final StringProperty labels = new SimpleStringProperty("");
    private final ObjectProperty<EvalMode> mode = new SimpleObjectProperty<>(EvalMode.SCORE);
    private final ObservableList<EvalTarget> targets = FXCollections.observableArrayList();
    private final ObservableList<String> cachedModels = FXCollections.observableArrayList();
    private final StringProperty error = new SimpleStringProperty("");
    private final StringProperty status = new SimpleStringProperty("");
    private final DoubleProperty progress = new SimpleDoubleProperty(0);
    private final BooleanProperty running = new SimpleBooleanProperty(false);
    private final BooleanProperty partial = new SimpleBooleanProperty(false);
    private final ObservableList<EvalReport> reports = FXCollections.observableArrayList();
    private final ObservableList<EvalReport> shownReports = FXCollections.unmodifiableObservableList(reports);
    private final StringProperty exportFolder = new SimpleStringProperty("");
    private final StringProperty exportStatus = new SimpleStringProperty("");
    private DataFile data;
    private PromptTemplate lastTemplate;
    private Evaluation task;
    private Runnable showPrompt = () -> { };

    public EvaluateViewModel(Workbench workbench, ModelViewModel model, PromptViewModel prompt, HubCache hubCache) {
        this.workbench = workbench;
        this.model = model;
        this.prompt = prompt;
        this.hubCache = hubCache;
        // A file is read once its path names one (not at every keystroke of a path being typed); Read says why not.
        dataFile.addListener((o, a, file) -> {
            if (file != null && !file.isBlank() && Files.isRegularFile(Path.of(file.strip()))) {
                readData();
            }
        });
        labelColumn.addListener((o, a, b) -> defaultLabels());
        textColumn.addListener((o, a, b) -> defaultLabels());
        workbench.loadedModelProperty().addListener((o, was, now) -> {
            if (running.get()) {
                cancel("the model changed");
            }
            adoptLoadedAdapter(now);
        });
        // The Model page unloads the model a run uses once a new one is in: stop before that.
        model.loadingProperty().addListener((o, was, now) -> {
            if (now && running.get()) {
                cancel("another model is loading");
            }
        });
        targets.add(EvalTarget.BASE);
        adoptLoadedAdapter(workbench.loadedModelProperty().get());
        refreshCache();
    }

    /** The loaded model's adapter is among those compared (first), once per load. */
    private void adoptLoadedAdapter(ServedModel loaded) {
        String adapter = loadedAdapter(loaded);
        if (adapter != null && !targets.contains(new EvalTarget(adapter))) {
            targets.addFirst(new EvalTarget(adapter));
        }
    }

    private static String loadedAdapter(ServedModel loaded) {
        return loaded == null ? null : loaded.spec().adapter();
    }

    /** The adapter of the loaded model, as the target list names it (null: none, or no model). */
    public String loadedAdapter() {
        return loadedAdapter(workbench.loadedModelProperty().get());
    }

    /** Hub ids in the local cache, offered as adapters. */
    public void refreshCache() {
        cachedModels.setAll(hubCache.modelIds());
    }

    /** Reads the data file's columns; the text and label columns are picked when the names say so, the label set reset. */
    public void readData() {
        columns.clear();
        dataSummary.set("");
        error.set("");
        data = null;
        String file = dataFile.get() == null ? "" : dataFile.get().strip();
        if (file.isEmpty()) {
            return;
        }
        try {
            data = DataFile.read(Path.of(file));
        } catch (RuntimeException e) {
            error.set(UserMessage.of("Cannot read the data file", e));
            return;
        }
        columns.setAll(data.columns());
        dataSummary.set(data.rows().size() + " rows, " + data.format().name() + ", columns " + data.columns());
        if (!columns.contains(textColumn.get())) {
            textColumn.set(ColumnGuess.text(data.columns()));
        }
        if (!columns.contains(labelColumn.get())) {
            labelColumn.set(ColumnGuess.label(data.columns()));
        }
        defaultLabels();
    }

    /** The label set as eval defaults it: the label column's distinct values, sorted (one per line, editable). */
    private void defaultLabels() {
        if (data == null || !columns.contains(labelColumn.get()) || !columns.contains(textColumn.get())) {
            return;
        }
        try {
            labels.set(String.join("\n", LabelSet.ofRows(EvalRow.of(data, textColumn.get(), labelColumn.get(), 0)).labels()));
        } catch (RuntimeException e) {
            labels.set("");
        }
    }

    /** Adds a folder or Hub id to compare; says why not when it is neither. */
    public void addAdapter(String adapter) {
        error.set("");
        String a = adapter == null ? "" : adapter.strip();
        if (a.isEmpty()) {
            error.set("Type or pick an adapter folder or Hub id to add.");
            return;
        }
        if (!Files.isDirectory(Path.of(a)) && !HubCache.isHubId(a)) {
            error.set("'" + a + "' is no folder and no Hub id (ORG/NAME): pick an adapter folder.");
            return;
        }
        EvalTarget target = new EvalTarget(a);
        if (!targets.contains(target)) {
            targets.add(target);
        }
    }

    /** Adds the base model alone (eval's {@code --adapter none}) back to the comparison. */
    public void addBase() {
        if (!targets.contains(EvalTarget.BASE)) {
            targets.add(EvalTarget.BASE);
        }
    }

    public void removeAdapter(EvalTarget target) {
        targets.remove(target);
    }

    /** Checks every input, then evaluates each adapter in turn; a problem is shown and nothing runs. */
    public void run() {
        if (running.get()) {
            return;
        }
        error.set("");
        exportStatus.set("");
        ServedModel loaded = workbench.loadedModelProperty().get();
        if (loaded == null) {
            error.set("No model is loaded: choose one on the Model page and press Load.");
            return;
        }
        String file = dataFile.get() == null ? "" : dataFile.get().strip();
        if (file.isEmpty()) {
            error.set("Choose a data file: a CSV with a header row, or JSON Lines.");
            return;
        }
        // Read again: the file may have changed since it was picked.
        DataFile rowsFile;
        try {
            rowsFile = DataFile.read(Path.of(file));
        } catch (RuntimeException e) {
            error.set(UserMessage.of("Cannot read the data file", e));
            return;
        }
        for (String[] column : List.of(new String[]{"text", textColumn.get()}, new String[]{"label", labelColumn.get()})) {
            if (column[1] == null || !rowsFile.columns().contains(column[1])) {
                error.set("The data file has no " + column[0] + " column '" + (column[1] == null ? "" : column[1])
                        + "'; its columns are " + rowsFile.columns() + ".");
                return;
            }
        }
        List<String> labelList = Arrays.stream((labels.get() == null ? "" : labels.get()).split("\\R"))
                .map(String::strip).filter(l -> !l.isEmpty()).toList();
        if (labelList.size() < 2) {
            error.set("Give at least 2 labels, one per line (got " + labelList.size() + "): a classifier chooses between labels.");
            return;
        }
        if (targets.isEmpty()) {
            error.set("Add at least one adapter to compare, or the base model (none).");
            return;
        }
        EvalRequestParts parts;
        try {
            List<EvalRow> rows = EvalRow.of(rowsFile, textColumn.get(), labelColumn.get(), 0);
            LabelSet labelSet = new LabelSet(labelList);
            PromptTemplate promptTemplate = PromptTemplate.parse(template.get() == null || template.get().isBlank()
                    ? "seed" : template.get().strip(), textColumn.get());
            // Checks the row count and the rest as the run will (its message names the bound).
            new EvalRequest(loaded.name(), true, rows, labelSet, promptTemplate, null, false, mode.get(),
                    EvalRequest.DEFAULT_MAX_NEW_TOKENS);
            parts = new EvalRequestParts(rows, labelSet, promptTemplate, mode.get());
        } catch (RuntimeException e) {
            error.set(UserMessage.of("Check the settings", e));
            return;
        }
        reports.clear();
        partial.set(false);
        lastTemplate = parts.template();
        Evaluation run = new Evaluation(workbench.engine(), loaded, List.copyOf(targets), parts);
        run.setOnSucceeded(e -> ended(run, run.getValue()));
        run.setOnFailed(e -> {
            error.set(UserMessage.of("Evaluation failed", run.getException()));
            ended(run, "Evaluation failed");
        });
        task = run;
        progress.bind(run.progressProperty());
        status.bind(run.messageProperty());
        running.set(true);
        workbench.activity().track(run, () -> cancel(null));
        workbench.run(run);
    }

    /** The rows, labels, template and mode every adapter is evaluated with. */
    private record EvalRequestParts(List<EvalRow> rows, LabelSet labels, PromptTemplate template, EvalMode mode) {
    }

    private void ended(Evaluation run, String text) {
        progress.unbind();
        status.unbind();
        status.set(text);
        running.set(false);
        partial.set(reports.stream().anyMatch(EvalReport::cancelled) || reports.size() < run.targets.size());
        workbench.activity().finish(run, text);
    }

    /** Stops after the rows under way; the rows evaluated so far stay, shown as partial. */
    public void cancel() {
        cancel(null);
    }

    private void cancel(String why) {
        Evaluation current = task;
        if (current != null && !current.isDone()) {
            current.stop(why);
        }
    }

    /** The window is closing: the run stops after its rows under way, waited for a little so nothing is left on the engine. */
    public void shutdown() {
        Evaluation current = task;
        if (current == null || current.isDone()) {
            return;
        }
        current.stop("the window closed");
        try {
            current.get(10, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException | CancellationException e) {
            log.warn("the evaluation did not end cleanly while closing: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Writes eval's {@code predictions.csv} (every adapter's rows, {@link PredictionsCsv}) into {@code folder}, made if
     * missing; returns the file, or null with the reason shown.
     */
    public Path exportCsv(String folder) {
        error.set("");
        exportStatus.set("");
        if (reports.isEmpty()) {
            error.set("Nothing to export: run an evaluation first.");
            return null;
        }
        String f = folder == null ? "" : folder.strip();
        if (f.isEmpty()) {
            error.set("Choose a folder to export into.");
            return null;
        }
        Path dir = Path.of(f);
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            error.set("Cannot export into " + dir + ": it is a file; name a folder.");
            return null;
        }
        Path csv = dir.resolve(CSV_FILE);
        try {
            Files.createDirectories(dir);
            try (Writer w = Files.newBufferedWriter(csv, StandardCharsets.UTF_8)) {
                EvalReport first = reports.getFirst();
                PredictionsCsv.write(w, first.mode(), first.labels(), List.copyOf(reports));
            }
        } catch (IOException | RuntimeException e) {
            error.set(UserMessage.of("Cannot export to " + dir, e));
            return null;
        }
        return csv;
    }

    /** Tells what an export wrote. */
    public void exported(List<Path> files) {
        exportStatus.set("Wrote " + String.join(" and ", files.stream().map(Path::toString).toList()));
    }

    /** Says why an export's picture could not be written. */
    public void exportFailed(String message) {
        error.set(message);
    }

    /**
     * Puts {@code row}'s text, with the run's template, on the Prompt page with the adapter it was evaluated with: the
     * loaded model as it is, or, for another adapter, that adapter loaded on the Model page first.
     */
    public void openInPrompt(EvalReport report, RowOutcome row) {
        error.set("");
        if (row == null || row.text() == null) {
            error.set("That row has no text to open.");
            return;
        }
        PromptTemplate t = lastTemplate == null ? PromptTemplate.parse("seed", textColumn.get()) : lastTemplate;
        prompt.modeProperty().set(PromptMode.PROMPT);
        prompt.templateKindProperty().set(TemplateKind.of(t));
        switch (t) {
            case PromptTemplate.Seed s -> prompt.textColumnProperty().set(s.textColumn());
            case PromptTemplate.Custom c -> prompt.customTemplateProperty().set(c.pattern());
            case PromptTemplate.Raw r -> { }
        }
        prompt.inputProperty().set(row.text());
        String adapter = report.adapter();
        if (adapter != null && !adapter.equals(loadedAdapter()) && !running.get()) {
            model.adapterProperty().set(adapter);
            model.load();
        }
        showPrompt.run();
    }

    /** What shows the Prompt page (the window wires it to the page switcher). */
    public void onShowPrompt(Runnable show) {
        this.showPrompt = show;
    }

    /**
     * The adapters evaluated one after the other on the engine, each through an {@link EvalRun}; each report is
     * published as it is done. Progress: rows done over all adapters' rows, with rows/s and the time left.
     */
    private final class Evaluation extends Task<String> {
        private final Engine engine;
        private final ServedModel loaded;
        private final List<EvalTarget> targets;
        private final EvalRequestParts parts;
        private volatile boolean stopped;
        private volatile String stopReason;
        private volatile EvalRun current;

        Evaluation(Engine engine, ServedModel loaded, List<EvalTarget> targets, EvalRequestParts parts) {
            this.engine = engine;
            this.loaded = loaded;
            this.targets = targets;
            this.parts = parts;
        }

        /** Stops after the rows under way; the first reason given is the one told. */
        synchronized void stop(String why) {
            if (!stopped) {
                stopReason = why;
                stopped = true;
            }
            EvalRun run = current;
            if (run != null) {
                run.cancel();
            }
        }

        @Override
        protected String call() {
            int total = parts.rows().size() * targets.size();
            updateProgress(0, total);
            int done = 0;
            List<EvalReport> finished = new ArrayList<>();
            for (int i = 0; i < targets.size() && !stopped; i++) {
                EvalTarget target = targets.get(i);
                String shown = target.base() ? "the base model" : target.adapter();
                String name = loaded.name();
                String extra = null;
                if (!target.base() && !target.adapter().equals(loaded.spec().adapter())) {
                    extra = EXTRA_NAME + i;
                    updateMessage("Loading " + shown + "…");
                    ModelSpec s = loaded.spec();
                    engine.load(extra, new ModelSpec(s.baseModel(), target.adapter(), s.template(), s.device(), s.dtype(),
                            s.backend(), s.maxPromptTokens()), (fraction, message) -> { });
                    name = extra;
                }
                try {
                    if (stopped) {
                        break;
                    }
                    int before = done;
                    String adapterName = shown;
                    EvalRun run = EvalRun.start(engine, new EvalRequest(name, !target.base(), parts.rows(), parts.labels(),
                            parts.template(), null, false, parts.mode(), EvalRequest.DEFAULT_MAX_NEW_TOKENS), (row, p) -> {
                        updateProgress(before + p.done(), total);
                        updateMessage(String.format(Locale.ROOT, "Evaluating %s (%d of %d): %d/%d rows, %.1f rows/s, %s left",
                                adapterName, targets.indexOf(target) + 1, targets.size(), p.done(), p.total(), p.rowsPerSecond(),
                                Double.isNaN(p.etaSeconds()) ? "?" : Activity.clock(p.etaSeconds())));
                    });
                    current = run;
                    if (stopped) {
                        run.cancel();
                    }
                    EvalReport report = run.await();
                    current = null;
                    done += parts.rows().size();
                    finished.add(report);
                    Platform.runLater(() -> reports.add(report));
                } finally {
                    if (extra != null) {
                        engine.unload(extra);
                    }
                }
            }
            if (stopped) {
                EvalReport last = finished.isEmpty() ? null : finished.getLast();
                return "Cancelled" + (stopReason == null ? "" : " (" + stopReason + ")") + ": partial results, "
                        + (last == null ? "nothing evaluated" : (last.rows().size() + " of " + last.total() + " rows with "
                        + MetricsTable.adapterName(last))) + ", " + finished.size() + " of " + targets.size() + " adapters";
            }
            return "Evaluated " + parts.rows().size() + " rows with " + targets.size() + " adapter"
                    + (targets.size() == 1 ? "" : "s") + " (" + parts.mode().label() + " mode)";
        }
    }

    public StringProperty dataFileProperty() { return dataFile; }
    public ObservableList<String> columns() { return columns; }
    public ReadOnlyStringProperty dataSummaryProperty() { return dataSummary; }
    public StringProperty textColumnProperty() { return textColumn; }
    public StringProperty labelColumnProperty() { return labelColumn; }
    public StringProperty templateProperty() { return template; }
    public StringProperty labelsProperty() { return labels; }
    public ObjectProperty<EvalMode> modeProperty() { return mode; }
    public ObservableList<EvalTarget> targets() { return targets; }
    public ObservableList<String> cachedModels() { return cachedModels; }
    public ReadOnlyStringProperty errorProperty() { return error; }
    public ReadOnlyStringProperty statusProperty() { return status; }
    public ReadOnlyDoubleProperty progressProperty() { return progress; }
    public ReadOnlyBooleanProperty runningProperty() { return running; }
    public ReadOnlyBooleanProperty partialProperty() { return partial; }
    /** Each adapter's report, in run order, as it is done (FX thread). */
    public ObservableList<EvalReport> reports() { return shownReports; }
    public StringProperty exportFolderProperty() { return exportFolder; }
    public ReadOnlyStringProperty exportStatusProperty() { return exportStatus; }
}
