package dev.peftbench.ui.tune;

import dev.peftbench.engine.Device;
import dev.peftbench.engine.train.Evaluation;
import dev.peftbench.engine.train.Optimizer;
import dev.peftbench.engine.train.TuningMethod;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.ListChangeListener;
import javafx.fxml.FXML;
import javafx.scene.Node;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextField;
import javafx.stage.FileChooser;

import java.io.File;
import java.nio.file.Path;
import java.util.Map;

/** Binds the Tune page's controls to its {@link TuneViewModel}. */
public final class TunePageController {

    private final TuneViewModel tune;

    @FXML private TextField dataFileField;
    @FXML private Button browseButton;
    @FXML private Label dataSummaryLabel;
    @FXML private TableView<Map<String, String>> previewTable;
    @FXML private ComboBox<String> textColumnChoice;
    @FXML private ComboBox<String> labelColumnChoice;
    @FXML private TextField templateField;
    @FXML private TextField tuneBaseModelField;
    @FXML private ChoiceBox<TuningMethod> methodChoice;
    @FXML private Node promptTuningSettings;
    @FXML private Node loraSettings;
    @FXML private TextField virtualTokensField;
    @FXML private TextField initTextField;
    @FXML private TextField loraRField;
    @FXML private TextField loraAlphaField;
    @FXML private TextField loraDropoutField;
    @FXML private TextField targetModulesField;
    @FXML private CheckBox rsloraCheck;
    @FXML private TextField epochsField;
    @FXML private TextField batchSizeField;
    @FXML private TextField learningRateField;
    @FXML private ChoiceBox<Optimizer.Kind> optimizerChoice;
    @FXML private TextField weightDecayField;
    @FXML private TextField warmupStepsField;
    @FXML private TextField maxStepsField;
    @FXML private TextField evalSplitField;
    @FXML private TextField tuneSeedField;
    @FXML private CheckBox shuffleCheck;
    @FXML private TextField endIdField;
    @FXML private ChoiceBox<Device> tuneDeviceChoice;
    @FXML private TextField outField;
    @FXML private Button startButton;
    @FXML private Button cancelButton;
    @FXML private ProgressBar tuneProgress;
    @FXML private Label tuneStatusLabel;
    @FXML private Label tuneErrorLabel;
    @FXML private LineChart<Number, Number> lossChart;
    @FXML private Label evaluationLabel;
    @FXML private TableView<Evaluation.Prediction> predictionTable;
    @FXML private TableColumn<Evaluation.Prediction, String> rowColumn;
    @FXML private TableColumn<Evaluation.Prediction, String> labelColumn;
    @FXML private TableColumn<Evaluation.Prediction, String> generatedColumn;
    @FXML private Button compareTunedButton;

    public TunePageController(TuneViewModel tune) {
        this.tune = tune;
    }

    @FXML
    private void initialize() {
        dataFileField.textProperty().bindBidirectional(tune.dataFileProperty());
        dataSummaryLabel.textProperty().bind(tune.dataSummaryProperty());
        tune.columns().addListener((ListChangeListener<String>) c -> rebuildPreviewColumns());
        rebuildPreviewColumns();
        previewTable.setItems(tune.previewRows());
        previewTable.setPlaceholder(new Label("Pick a CSV (with a header row) or JSON Lines file to see its first rows."));
        textColumnChoice.setItems(tune.columns());
        labelColumnChoice.setItems(tune.columns());
        textColumnChoice.valueProperty().bindBidirectional(tune.textColumnProperty());
        labelColumnChoice.valueProperty().bindBidirectional(tune.labelColumnProperty());
        templateField.textProperty().bindBidirectional(tune.templateProperty());
        tuneBaseModelField.textProperty().bindBidirectional(tune.baseModelProperty());

        methodChoice.getItems().setAll(TuningMethod.values());
        methodChoice.setConverter(new javafx.util.StringConverter<>() {
            @Override
            public String toString(TuningMethod m) {
                return m == null ? "" : m.label();
            }

            @Override
            public TuningMethod fromString(String s) {
                return TuningMethod.parse(s);
            }
        });
        methodChoice.valueProperty().bindBidirectional(tune.methodProperty());
        var lora = tune.methodProperty().isEqualTo(TuningMethod.LORA);
        loraSettings.visibleProperty().bind(lora);
        loraSettings.managedProperty().bind(lora);
        promptTuningSettings.visibleProperty().bind(lora.not());
        promptTuningSettings.managedProperty().bind(lora.not());
        virtualTokensField.textProperty().bindBidirectional(tune.numVirtualTokensProperty());
        initTextField.textProperty().bindBidirectional(tune.initTextProperty());
        loraRField.textProperty().bindBidirectional(tune.loraRProperty());
        loraAlphaField.textProperty().bindBidirectional(tune.loraAlphaProperty());
        loraDropoutField.textProperty().bindBidirectional(tune.loraDropoutProperty());
        targetModulesField.textProperty().bindBidirectional(tune.targetModulesProperty());
        rsloraCheck.selectedProperty().bindBidirectional(tune.useRsloraProperty());

        epochsField.textProperty().bindBidirectional(tune.epochsProperty());
        batchSizeField.textProperty().bindBidirectional(tune.batchSizeProperty());
        learningRateField.textProperty().bindBidirectional(tune.learningRateProperty());
        optimizerChoice.getItems().setAll(Optimizer.Kind.values());
        optimizerChoice.valueProperty().bindBidirectional(tune.optimizerProperty());
        weightDecayField.textProperty().bindBidirectional(tune.weightDecayProperty());
        warmupStepsField.textProperty().bindBidirectional(tune.warmupStepsProperty());
        maxStepsField.textProperty().bindBidirectional(tune.maxStepsProperty());
        evalSplitField.textProperty().bindBidirectional(tune.evalSplitProperty());
        tuneSeedField.textProperty().bindBidirectional(tune.seedProperty());
        shuffleCheck.selectedProperty().bindBidirectional(tune.shuffleProperty());
        endIdField.textProperty().bindBidirectional(tune.endTokenIdProperty());
        tuneDeviceChoice.getItems().setAll(Device.values());
        tuneDeviceChoice.valueProperty().bindBidirectional(tune.deviceProperty());
        outField.textProperty().bindBidirectional(tune.outProperty());

        startButton.disableProperty().bind(tune.runningProperty());
        cancelButton.disableProperty().bind(tune.runningProperty().not());
        tuneProgress.progressProperty().bind(tune.progressProperty());
        tuneProgress.visibleProperty().bind(tune.runningProperty());
        tuneStatusLabel.textProperty().bind(tune.statusProperty());
        tuneErrorLabel.textProperty().bind(tune.errorProperty());
        tuneErrorLabel.managedProperty().bind(tune.errorProperty().isNotEmpty());

        XYChart.Series<Number, Number> series = new XYChart.Series<>("training loss", tune.losses());
        lossChart.getData().add(series);
        evaluationLabel.textProperty().bind(tune.evaluationSummaryProperty());
        predictionTable.setItems(tune.predictions());
        predictionTable.setPlaceholder(new Label("Held-out rows and the answers generated for them appear here."));
        rowColumn.setCellValueFactory(c -> new ReadOnlyStringWrapper(String.valueOf(c.getValue().row())));
        labelColumn.setCellValueFactory(c -> new ReadOnlyStringWrapper(c.getValue().label()));
        generatedColumn.setCellValueFactory(c -> new ReadOnlyStringWrapper((c.getValue().matches() ? "✓ " : "✗ ") + c.getValue().generated()));
        compareTunedButton.disableProperty().bind(tune.resultProperty().isNull().or(tune.runningProperty()));
    }

    private void rebuildPreviewColumns() {
        previewTable.getColumns().clear();
        for (String name : tune.columns()) {
            TableColumn<Map<String, String>, String> column = new TableColumn<>(name);
            column.setCellValueFactory(c -> new ReadOnlyStringWrapper(c.getValue().get(name)));
            column.setPrefWidth(name.equals(tune.textColumnProperty().get()) ? 420 : 140);
            previewTable.getColumns().add(column);
        }
    }

    @FXML
    private void browse() {
        FileChooser chooser = new FileChooser();
        chooser.setTitle("Labelled data");
        chooser.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("CSV or JSON Lines", "*.csv", "*.jsonl", "*.ndjson"),
                new FileChooser.ExtensionFilter("All files", "*"));
        String current = tune.dataFileProperty().get();
        if (current != null && !current.isBlank()) {
            File parent = Path.of(current).toAbsolutePath().getParent().toFile();
            if (parent.isDirectory()) {
                chooser.setInitialDirectory(parent);
            }
        }
        File chosen = chooser.showOpenDialog(browseButton.getScene().getWindow());
        if (chosen != null) {
            tune.dataFileProperty().set(chosen.getPath());
        }
    }

    @FXML
    private void reload() {
        tune.readPreview();
    }

    @FXML
    private void start() {
        tune.start();
    }

    @FXML
    private void cancel() {
        tune.cancel();
    }

    @FXML
    private void compare() {
        tune.compareInPrompt();
    }
}
