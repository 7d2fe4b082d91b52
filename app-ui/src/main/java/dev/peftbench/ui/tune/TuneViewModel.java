package dev.peftbench.ui.tune;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.engine.Device;
import dev.peftbench.engine.ServedModel;
import dev.peftbench.engine.hub.HubSettings;
import dev.peftbench.engine.train.DataFile;
import dev.peftbench.engine.train.Evaluation;
import dev.peftbench.engine.train.MethodSettings;
import dev.peftbench.engine.train.OptimizationSettings;
import dev.peftbench.engine.train.Optimizer;
import dev.peftbench.engine.train.StepReport;
import dev.peftbench.engine.train.Trainer;
import dev.peftbench.engine.train.TrainingRecord;
import dev.peftbench.engine.train.TuningJob;
import dev.peftbench.engine.train.TuningListener;
import dev.peftbench.engine.train.TuningMethod;
import dev.peftbench.engine.train.TuningPlan;
import dev.peftbench.engine.train.TuningResult;
import dev.peftbench.contract.BundledSample;
import dev.peftbench.ui.Activity;
import dev.peftbench.ui.ColumnGuess;
import dev.peftbench.ui.UserMessage;
import dev.peftbench.ui.Workbench;
import dev.peftbench.ui.model.ModelViewModel;
import dev.peftbench.ui.prompt.PromptViewModel;
import dev.peftbench.ui.prompt.TemplateKind;
import dev.peftbench.ui.publish.PublishViewModel;
import javafx.application.Platform;
import javafx.beans.property.BooleanProperty;
import javafx.beans.property.DoubleProperty;
import javafx.beans.property.ObjectProperty;
import javafx.beans.property.ReadOnlyBooleanProperty;
import javafx.beans.property.ReadOnlyObjectProperty;
import javafx.beans.property.ReadOnlyStringProperty;
import javafx.beans.property.SimpleBooleanProperty;
import javafx.beans.property.SimpleDoubleProperty;
import javafx.beans.property.SimpleObjectProperty;
import javafx.beans.property.SimpleStringProperty;
import javafx.beans.property.StringProperty;
import javafx.beans.value.ChangeListener;
import javafx.beans.value.ObservableValue;
import javafx.collections.FXCollections;
import javafx.collections.ObservableList;
import javafx.concurrent.Task;
import javafx.scene.chart.XYChart;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The Tune page's state: a data file with a preview of its first rows and the columns to learn from, the
 * method and its settings (blank: the engine's defaults, as {@code ./peftbench tune} without the flag),
 * a run of the engine's {@link Trainer} off the FX thread with its loss per step and the held-out
 * evaluation, Cancel (the adapter so far is written), and then one action that loads the new adapter on
 * the Model page and compares it with the base model on the Prompt page.
 */
public final class TuneViewModel {
    private static final Logger log = LoggerFactory.getLogger(TuneViewModel.class);
    /** Rows of the data file the preview shows. */
    static final int PREVIEW_ROWS = 20;

    private final Workbench workbench;
    private final ModelViewModel model;
    private final PromptViewModel prompt;
    private final PublishViewModel publish;
    private final HubSettings hub;

    private final StringProperty baseModel = new SimpleStringProperty("");
    private final StringProperty dataFile = new SimpleStringProperty("");
    private final ObservableList<String> columns = FXCollections.observableArrayList();
    private final ObservableList<Map<String, String>> previewRows = FXCollections.observableArrayList();
    private final StringProperty dataSummary = new SimpleStringProperty("");
    private final StringProperty textColumn = new SimpleStringProperty("");
    private final StringProperty labelColumn = new SimpleStringProperty("");
    private final StringProperty template = new SimpleStringProperty("seed");
    private final ObjectProperty<TuningMethod> method = new SimpleObjectProperty<>(TuningMethod.PROMPT_TUNING);
    private final StringProperty numVirtualTokens = new SimpleStringProperty(String.valueOf(MethodSettings.DEFAULT_VIRTUAL_TOKENS));
    private final StringProperty initText = new SimpleStringProperty("");
    private final StringProperty loraR = new SimpleStringProperty(String.valueOf(MethodSettings.DEFAULT_R));
    private final StringProperty loraAlpha = new SimpleStringProperty(number(MethodSettings.DEFAULT_ALPHA));
    private final StringProperty loraDropout = new SimpleStringProperty(number(MethodSettings.DEFAULT_DROPOUT));
    private final StringProperty targetModules = new SimpleStringProperty("");
    private final BooleanProperty useRslora = new SimpleBooleanProperty(false);
    private final StringProperty epochs = new SimpleStringProperty(String.valueOf(OptimizationSettings.DEFAULT_EPOCHS));
    private final StringProperty batchSize = new SimpleStringProperty(String.valueOf(OptimizationSettings.DEFAULT_BATCH_SIZE));
    private final StringProperty learningRate = new SimpleStringProperty("");
    private final ObjectProperty<Optimizer.Kind> optimizer = new SimpleObjectProperty<>(Optimizer.Kind.ADAMW);
    private final StringProperty weightDecay = new SimpleStringProperty("");
    private final StringProperty warmupSteps = new SimpleStringProperty("0");
    private final StringProperty maxSteps = new SimpleStringProperty("0");
    private final StringProperty evalSplit = new SimpleStringProperty("0.2");
    private final StringProperty seed = new SimpleStringProperty(String.valueOf(OptimizationSettings.DEFAULT_SEED));
    private final BooleanProperty shuffle = new SimpleBooleanProperty(true);
    private final StringProperty endTokenId = new SimpleStringProperty("");
    private final ObjectProperty<Device> device = new SimpleObjectProperty<>(Device.CPU);
    private final StringProperty out = new SimpleStringProperty("");

    private final BooleanProperty running = new SimpleBooleanProperty(false);
    private final DoubleProperty progress = new SimpleDoubleProperty(0);
    private final StringProperty status = new SimpleStringProperty("");
    private final StringProperty error = new SimpleStringProperty("");
    private final ObservableList<XYChart.Data<Number, Number>> losses = FXCollections.observableArrayList();
    private final StringProperty evaluationSummary = new SimpleStringProperty("");
    private final ObservableList<Evaluation.Prediction> predictions = FXCollections.observableArrayList();
    private final ObjectProperty<TuningResult> result = new SimpleObjectProperty<>();
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private Task<TuningResult> task;
    private TuningJob lastJob;
    private Runnable showPrompt = () -> { };

    public TuneViewModel(Workbench workbench, ModelViewModel model, PromptViewModel prompt, PublishViewModel publish, HubSettings hub) {
        this.workbench = workbench;
        this.model = model;
        this.prompt = prompt;
        this.publish = publish;
        this.hub = hub;
        baseModel.set(model.baseModelProperty().get());
        workbench.loadedModelProperty().addListener((o, a, loaded) -> {
            if (loaded != null && !running.get()) {
                baseModel.set(loaded.spec().baseModel());
            }
        });
        dataFile.addListener((o, a, file) -> readPreview());
        Path sample = BundledSample.folder().getParent().resolve("tweet-complaints.csv");
        if (Files.isRegularFile(sample)) {
            dataFile.set(sample.toString());
        }
    }

    private static String number(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    /** Reads the data file's columns and first rows; the text and label columns are picked when the names say so. */
    void readPreview() {
        columns.clear();
        previewRows.clear();
        dataSummary.set("");
        error.set("");
        String file = dataFile.get();
        if (file == null || file.isBlank()) {
            return;
        }
        DataFile data;
        try {
            data = DataFile.read(Path.of(file.strip()));
        } catch (RuntimeException e) {
            error.set(UserMessage.of("Cannot read the data file", e));
            return;
        }
        columns.setAll(data.columns());
        previewRows.setAll(data.rows().subList(0, Math.min(PREVIEW_ROWS, data.rows().size())));
        dataSummary.set(data.rows().size() + " rows, " + data.format().name() + (data.rows().size() > PREVIEW_ROWS
                ? " (the first " + PREVIEW_ROWS + " shown)" : ""));
        if (!columns.contains(textColumn.get())) {
            textColumn.set(ColumnGuess.text(data.columns()));
        }
        if (!columns.contains(labelColumn.get())) {
            labelColumn.set(ColumnGuess.label(data.columns()));
        }
    }

    TuneForm form() {
        String folder = out.get() == null || out.get().isBlank() ? TuneForm.defaultOut(dataFile.get(), method.get()) : out.get();
        return new TuneForm(baseModel.get(), dataFile.get(), textColumn.get(), labelColumn.get(), template.get(), method.get(),
                numVirtualTokens.get(), initText.get(), loraR.get(), loraAlpha.get(), loraDropout.get(), targetModules.get(),
                useRslora.get(), epochs.get(), batchSize.get(), learningRate.get(), optimizer.get(), weightDecay.get(),
                warmupSteps.get(), maxSteps.get(), evalSplit.get(), seed.get(), shuffle.get(), endTokenId.get(), device.get(), folder);
    }

    /** Starts a run with the current fields; a field that does not parse or a refused setting is shown, nothing runs. */
    public void start() {
        if (running.get()) {
            return;
        }
        error.set("");
        TuningJob job;
        try {
            job = form().job();
        } catch (RuntimeException e) {
            error.set(UserMessage.of("Cannot start", e));
            return;
        }
        out.set(job.out().toString());
        losses.clear();
        predictions.clear();
        evaluationSummary.set("");
        result.set(null);
        cancelled.set(false);
        lastJob = job;
        Task<TuningResult> run = new Task<>() {
            @Override
            protected TuningResult call() {
                updateMessage("Preparing to tune…");
                updateProgress(-1, 1);
                return new Trainer(hub).run(job, new TuningListener() {
                    @Override
                    public void preparing(String message, double fraction) {
                        updateMessage(message);
                        updateProgress(fraction < 0 ? -1 : fraction, 1);
                    }

                    @Override
                    public void started(TuningPlan plan) {
                        updateMessage(describe(plan));
                        updateProgress(0, plan.totalSteps());
                    }

                    @Override
                    public void step(StepReport s) {
                        updateProgress(s.step(), s.totalSteps());
                        updateMessage(String.format("Step %d of %d, loss %.4f, %.0f tokens/s, %s left", s.step(), s.totalSteps(),
                                s.loss(), s.tokensPerSecond(), Activity.clock(s.etaSeconds())));
                        Platform.runLater(() -> losses.add(new XYChart.Data<>(s.step(), s.loss())));
                    }

                    @Override
                    public void evaluating(int rows) {
                        updateMessage("Evaluating on " + rows + " held-out rows…");
                        updateProgress(-1, 1);
                    }
                }, cancelled::get);
            }
        };
        run.setOnSucceeded(e -> {
            TuningResult r = run.getValue();
            Evaluation evaluation = r.evaluation();
            if (evaluation != null) {
                predictions.setAll(evaluation.predictions());
                evaluationSummary.set(String.format("Held-out: %d of %d exact (%.1f%%), loss %.4f",
                        evaluation.exactMatches(), evaluation.rows(), 100 * evaluation.accuracy(), evaluation.loss()));
            } else {
                evaluationSummary.set(r.interrupted() ? "Cancelled: no evaluation" : "No held-out rows: no evaluation");
            }
            result.set(r);
            String done = (r.interrupted() ? "Cancelled after step " + r.steps() + " of " + r.plan().totalSteps() + "; the adapter so far"
                    : "Tuned in " + r.steps() + " steps; the adapter") + " is in " + r.out();
            finish(run, done);
            log.info("{}", done);
        });
        run.setOnFailed(e -> {
            error.set(UserMessage.of("Tuning failed", run.getException()));
            finish(run, "Tuning failed");
        });
        task = run;
        progress.bind(run.progressProperty());
        status.bind(run.messageProperty());
        running.set(true);
        workbench.activity().track(run, this::cancel);
        workbench.run(run);
    }

    private static String describe(TuningPlan plan) {
        return "Tuning " + plan.method().label() + ": " + plan.trainRows() + " rows, " + plan.evalRows() + " held out, "
                + plan.totalSteps() + " steps, " + plan.trainableParameters() + " trainable parameters";
    }

    private void finish(Task<?> run, String text) {
        progress.unbind();
        status.unbind();
        status.set(text);
        running.set(false);
        workbench.activity().finish(run, text);
    }

    /** Stops after the current step; the adapter as it stands is written. */
    public void cancel() {
        cancelled.set(true);
    }

    /**
     * The window is closing: a run stops after its current step and writes its adapter before the app ends
     * (its thread would not outlive the app), waiting at most a minute.
     */
    public void shutdown() {
        Task<TuningResult> current = task;
        if (current == null || current.isDone()) {
            return;
        }
        cancel();
        try {
            current.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException
                 | CancellationException e) {
            log.warn("the tuning run did not end cleanly while closing: {}", e.toString());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Loads the base model with the new adapter on the Model page (so Serve serves it and Publish names it),
     * then runs a held-out row (or the first row) through Compare on the Prompt page: base and tuned side by
     * side, with the run's template and its labels' end id.
     */
    public void compareInPrompt() {
        TuningResult r = result.get();
        if (r == null || running.get()) {
            return;
        }
        TuningJob job = lastJob;
        String adapterDir = r.out().toAbsolutePath().toString();
        model.baseModelProperty().set(job.model());
        model.adapterProperty().set(adapterDir);
        publish.baseModelProperty().set(job.model());
        publish.adapterProperty().set(adapterDir);
        String input = predictions.isEmpty() ? firstText() : textOfRow(predictions.getFirst().row());
        ChangeListener<ServedModel> whenLoaded = new ChangeListener<>() {
            @Override
            public void changed(ObservableValue<? extends ServedModel> o, ServedModel was, ServedModel loaded) {
                if (loaded != null && loaded.adapter().map(a -> a.dir().toAbsolutePath().toString().equals(adapterDir)).orElse(false)) {
                    o.removeListener(this);
                    TemplateKind kind = TemplateKind.fromSpec(job.data().template());
                    prompt.templateKindProperty().set(kind);
                    if (kind == TemplateKind.CUSTOM) {
                        prompt.customTemplateProperty().set(job.data().template());
                    }
                    prompt.textColumnProperty().set(job.data().textColumn());
                    prompt.inputProperty().set(input);
                    prompt.eosTokenIdsProperty().set(String.valueOf(endId(r)));
                    showPrompt.run();
                    prompt.compare();
                }
            }
        };
        workbench.loadedModelProperty().addListener(whenLoaded);
        model.load();
        if (!model.loadingProperty().get()) {
            // The load was refused at once (its error shows on the Model page).
            workbench.loadedModelProperty().removeListener(whenLoaded);
            error.set("Could not load the adapter: " + model.errorProperty().get());
        }
    }

    /** The id that ends the labels, from the run's record (what generation should stop at). */
    private static int endId(TuningResult r) {
        try {
            return new ObjectMapper()
                    .readTree(r.out().resolve(TrainingRecord.FILE).toFile())
                    .at("/data/end_token_id").asInt();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private String firstText() {
        return previewRows.isEmpty() ? "" : previewRows.getFirst().getOrDefault(textColumn.get(), "");
    }

    private String textOfRow(int row) {
        try {
            return DataFile.read(lastJob.data().file()).rows().get(row - 1).getOrDefault(lastJob.data().textColumn(), "");
        } catch (RuntimeException e) {
            return firstText();
        }
    }

    /** What shows the Prompt page (the window wires it to the page switcher). */
    public void onShowPrompt(Runnable show) {
        this.showPrompt = show;
    }

    public StringProperty baseModelProperty() { return baseModel; }
    public StringProperty dataFileProperty() { return dataFile; }
    public ObservableList<String> columns() { return columns; }
    public ObservableList<Map<String, String>> previewRows() { return previewRows; }
    public ReadOnlyStringProperty dataSummaryProperty() { return dataSummary; }
    public StringProperty textColumnProperty() { return textColumn; }
    public StringProperty labelColumnProperty() { return labelColumn; }
    public StringProperty templateProperty() { return template; }
    public ObjectProperty<TuningMethod> methodProperty() { return method; }
    public StringProperty numVirtualTokensProperty() { return numVirtualTokens; }
    public StringProperty initTextProperty() { return initText; }
    public StringProperty loraRProperty() { return loraR; }
    public StringProperty loraAlphaProperty() { return loraAlpha; }
    public StringProperty loraDropoutProperty() { return loraDropout; }
    public StringProperty targetModulesProperty() { return targetModules; }
    public BooleanProperty useRsloraProperty() { return useRslora; }
    public StringProperty epochsProperty() { return epochs; }
    public StringProperty batchSizeProperty() { return batchSize; }
    public StringProperty learningRateProperty() { return learningRate; }
    public ObjectProperty<Optimizer.Kind> optimizerProperty() { return optimizer; }
    public StringProperty weightDecayProperty() { return weightDecay; }
    public StringProperty warmupStepsProperty() { return warmupSteps; }
    public StringProperty maxStepsProperty() { return maxSteps; }
    public StringProperty evalSplitProperty() { return evalSplit; }
    public StringProperty seedProperty() { return seed; }
    public BooleanProperty shuffleProperty() { return shuffle; }
    public StringProperty endTokenIdProperty() { return endTokenId; }
    public ObjectProperty<Device> deviceProperty() { return device; }
    public StringProperty outProperty() { return out; }
    public ReadOnlyBooleanProperty runningProperty() { return running; }
    public DoubleProperty progressProperty() { return progress; }
    public ReadOnlyStringProperty statusProperty() { return status; }
    public StringProperty errorProperty() { return error; }
    public ObservableList<XYChart.Data<Number, Number>> losses() { return losses; }
    public ReadOnlyStringProperty evaluationSummaryProperty() { return evaluationSummary; }
    public ObservableList<Evaluation.Prediction> predictions() { return predictions; }
    public ReadOnlyObjectProperty<TuningResult> resultProperty() { return result; }
}
