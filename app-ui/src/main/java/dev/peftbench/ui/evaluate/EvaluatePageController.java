package dev.peftbench.ui.evaluate;

import dev.peftbench.engine.eval.ClassificationMetrics;
import dev.peftbench.engine.eval.EvalMode;
import dev.peftbench.engine.eval.EvalReport;
import dev.peftbench.engine.eval.RowOutcome;
import dev.peftbench.ui.PngSnapshot;
import javafx.beans.binding.Bindings;
import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.collections.FXCollections;
import javafx.collections.ListChangeListener;
import javafx.collections.transformation.FilteredList;
import javafx.fxml.FXML;
import javafx.scene.Node;
import javafx.scene.SnapshotParameters;
import javafx.scene.chart.LineChart;
import javafx.scene.chart.XYChart;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableRow;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.control.Tooltip;
import javafx.scene.input.MouseButton;
import javafx.scene.layout.FlowPane;
import javafx.scene.paint.Color;
import javafx.stage.DirectoryChooser;
import javafx.stage.FileChooser;
import javafx.util.StringConverter;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Binds the Evaluate page to its {@link EvaluateViewModel} and draws the results: the metrics side by side, a
 * confusion-matrix heat map per adapter, the reliability diagram (score mode) and the rows of one adapter.
 */
public final class EvaluatePageController {
    private final EvaluateViewModel evaluate;

    @FXML private TextField evalDataFileField;
    @FXML private Button evalBrowseButton;
    @FXML private Label evalDataSummaryLabel;
    @FXML private ComboBox<String> evalTextColumnChoice;
    @FXML private ComboBox<String> evalLabelColumnChoice;
    @FXML private TextField evalTemplateField;
    @FXML private TextArea labelsArea;
    @FXML private ListView<EvalTarget> targetList;
    @FXML private ComboBox<String> adapterChoice;
    @FXML private Button addAdapterButton;
    @FXML private Button addFolderButton;
    @FXML private Button addBaseButton;
    @FXML private Button removeAdapterButton;
    @FXML private ChoiceBox<EvalMode> modeChoice;
    @FXML private Button evaluateButton;
    @FXML private Button cancelEvaluationButton;
    @FXML private ProgressBar evalProgress;
    @FXML private Label evalStatusLabel;
    @FXML private Label evalErrorLabel;
    @FXML private Label partialLabel;
    @FXML private TableView<MetricsTable.Line> metricsTable;
    @FXML private Node chartsPane;
    @FXML private FlowPane confusionMaps;
    @FXML private LineChart<Number, Number> reliabilityChart;
    @FXML private Label reliabilityNote;
    @FXML private ChoiceBox<EvalReport> rowsAdapterChoice;
    @FXML private CheckBox misclassifiedOnly;
    @FXML private TableView<RowOutcome> rowsTable;
    @FXML private TableColumn<RowOutcome, Number> rowNumberColumn;
    @FXML private TableColumn<RowOutcome, String> rowTextColumn;
    @FXML private TableColumn<RowOutcome, String> rowLabelColumn;
    @FXML private TableColumn<RowOutcome, String> rowPredictedColumn;
    @FXML private TableColumn<RowOutcome, String> rowProbabilityColumn;
    @FXML private Button openInPromptButton;
    @FXML private TextField exportFolderField;
    @FXML private Button exportButton;
    @FXML private Label exportStatusLabel;

    public EvaluatePageController(EvaluateViewModel evaluate) {
        this.evaluate = evaluate;
    }

    @FXML
    private void initialize() {
        evalDataFileField.textProperty().bindBidirectional(evaluate.dataFileProperty());
        evalDataFileField.setOnAction(e -> evaluate.readData());
        evalDataSummaryLabel.textProperty().bind(evaluate.dataSummaryProperty());
        evalTextColumnChoice.setItems(evaluate.columns());
        evalLabelColumnChoice.setItems(evaluate.columns());
        evalTextColumnChoice.valueProperty().bindBidirectional(evaluate.textColumnProperty());
        evalLabelColumnChoice.valueProperty().bindBidirectional(evaluate.labelColumnProperty());
        evalTemplateField.textProperty().bindBidirectional(evaluate.templateProperty());
        labelsArea.textProperty().bindBidirectional(evaluate.labelsProperty());

        targetList.setItems(evaluate.targets());
        targetList.setPlaceholder(new Label("No adapter: add one, or the base model."));
        targetList.setCellFactory(list -> new ListCell<>() {
            @Override
            protected void updateItem(EvalTarget item, boolean empty) {
                super.updateItem(item, empty);
                setText(empty || item == null ? null : item.shown(evaluate.loadedAdapter()));
                setTooltip(empty || item == null || item.base() ? null : new Tooltip(item.adapter()));
            }
        });
        adapterChoice.setItems(evaluate.cachedModels());
        adapterChoice.setOnShowing(e -> evaluate.refreshCache());
        removeAdapterButton.disableProperty().bind(targetList.getSelectionModel().selectedItemProperty().isNull());
        addBaseButton.disableProperty().bind(Bindings.createBooleanBinding(
                () -> evaluate.targets().contains(EvalTarget.BASE), evaluate.targets()));

        modeChoice.getItems().setAll(EvalMode.values());
        modeChoice.setConverter(new StringConverter<>() {
            @Override
            public String toString(EvalMode m) {
                return m == null ? "" : m == EvalMode.SCORE ? "score (label log-likelihoods)" : "generate (greedy answers)";
            }

            @Override
            public EvalMode fromString(String s) {
                return EvalMode.parse(s);
            }
        });
        modeChoice.valueProperty().bindBidirectional(evaluate.modeProperty());

        evaluateButton.disableProperty().bind(evaluate.runningProperty());
        cancelEvaluationButton.disableProperty().bind(evaluate.runningProperty().not());
        evalProgress.progressProperty().bind(evaluate.progressProperty());
        evalProgress.visibleProperty().bind(evaluate.runningProperty());
        evalStatusLabel.textProperty().bind(evaluate.statusProperty());
        evalErrorLabel.textProperty().bind(evaluate.errorProperty());
        evalErrorLabel.managedProperty().bind(evaluate.errorProperty().isNotEmpty());
        partialLabel.visibleProperty().bind(evaluate.partialProperty());
        partialLabel.managedProperty().bind(evaluate.partialProperty());

        metricsTable.setPlaceholder(new Label("Run an evaluation: each adapter's figures appear here side by side."));
        rowsTable.setPlaceholder(new Label("The rows of the adapter chosen above appear here."));
        rowsAdapterChoice.setConverter(new StringConverter<>() {
            @Override
            public String toString(EvalReport r) {
                return r == null ? "" : MetricsTable.adapterName(r);
            }

            @Override
            public EvalReport fromString(String s) {
                return null;
            }
        });
        rowsAdapterChoice.setItems(evaluate.reports());
        rowsAdapterChoice.valueProperty().addListener((o, a, report) -> showRows(report));
        misclassifiedOnly.selectedProperty().addListener((o, a, b) -> filterRows());
        rowNumberColumn.setCellValueFactory(c -> new ReadOnlyObjectWrapper<>(c.getValue().row()));
        rowTextColumn.setCellValueFactory(c -> new ReadOnlyStringWrapper(c.getValue().text()));
        rowLabelColumn.setCellValueFactory(c -> new ReadOnlyStringWrapper(c.getValue().label()));
        rowPredictedColumn.setCellValueFactory(c -> new ReadOnlyStringWrapper(predicted(c.getValue())));
        rowProbabilityColumn.setCellValueFactory(c -> new ReadOnlyStringWrapper(probability(c.getValue())));
        rowsTable.setRowFactory(table -> {
            TableRow<RowOutcome> row = new TableRow<>();
            row.setOnMouseClicked(e -> {
                if (e.getButton() == MouseButton.PRIMARY && e.getClickCount() == 2 && !row.isEmpty()) {
                    evaluate.openInPrompt(rowsAdapterChoice.getValue(), row.getItem());
                }
            });
            return row;
        });
        openInPromptButton.disableProperty().bind(rowsTable.getSelectionModel().selectedItemProperty().isNull());

        evaluate.reports().addListener((ListChangeListener<EvalReport>) c -> showResults());
        exportFolderField.textProperty().bindBidirectional(evaluate.exportFolderProperty());
        exportButton.disableProperty().bind(Bindings.isEmpty(evaluate.reports()).or(evaluate.runningProperty()));
        exportStatusLabel.textProperty().bind(evaluate.exportStatusProperty());
        exportStatusLabel.managedProperty().bind(evaluate.exportStatusProperty().isNotEmpty());
        showResults();
    }

    private static String predicted(RowOutcome o) {
        if (!o.evaluated()) {
            return "(skipped: " + o.skipped() + ")";
        }
        return (o.correct() ? "✓ " : "✗ ") + o.predicted();
    }

    /** The probability of the predicted label (score mode; generate mode has none). */
    private static String probability(RowOutcome o) {
        return o.evaluated() && o.scored() ? String.format(Locale.ROOT, "%.4f", o.confidence()) : "";
    }

    private void showResults() {
        List<EvalReport> reports = evaluate.reports();
        MetricsTable table = MetricsTable.of(reports);
        metricsTable.getColumns().clear();
        TableColumn<MetricsTable.Line, String> metric = new TableColumn<>("metric");
        metric.setCellValueFactory(c -> new ReadOnlyStringWrapper(c.getValue().metric()));
        metric.setPrefWidth(190);
        metricsTable.getColumns().add(metric);
        for (int i = 0; i < table.adapters().size(); i++) {
            int at = i;
            TableColumn<MetricsTable.Line, String> column = new TableColumn<>();
            Label header = new Label(table.adapters().get(i));
            EvalReport report = reports.get(i);
            header.setTooltip(new Tooltip(report.adapter() == null ? "the base model alone" : report.adapter()));
            column.setGraphic(header);
            column.setCellValueFactory(c -> new ReadOnlyStringWrapper(c.getValue().values().get(at)));
            column.setPrefWidth(205);
            metricsTable.getColumns().add(column);
        }
        metricsTable.getItems().setAll(reports.isEmpty() ? List.of() : table.rows());

        confusionMaps.getChildren().setAll(reports.stream()
                .map(r -> (Node) ConfusionHeatMap.of(MetricsTable.adapterName(r), r.metrics())).toList());

        reliabilityChart.getData().clear();
        boolean scored = reports.stream().anyMatch(r -> r.mode() == EvalMode.SCORE);
        reliabilityChart.setVisible(scored);
        reliabilityChart.setManaged(scored);
        reliabilityNote.setText(reports.isEmpty() ? "" : scored ? "" : "Generate mode has no probabilities: no reliability diagram.");
        if (scored) {
            XYChart.Series<Number, Number> diagonal = new XYChart.Series<>();
            diagonal.setName("perfectly calibrated");
            diagonal.getData().add(new XYChart.Data<>(0, 0));
            diagonal.getData().add(new XYChart.Data<>(1, 1));
            reliabilityChart.getData().add(diagonal);
            for (EvalReport r : reports) {
                XYChart.Series<Number, Number> observed = new XYChart.Series<>();
                observed.setName(MetricsTable.adapterName(r));
                for (ClassificationMetrics.CalibrationBin bin : r.metrics().calibration()) {
                    if (bin.rows() > 0) {
                        observed.getData().add(new XYChart.Data<>(bin.confidence(), bin.accuracy()));
                    }
                }
                reliabilityChart.getData().add(observed);
            }
        }

        EvalReport chosen = rowsAdapterChoice.getValue();
        if (chosen == null || !reports.contains(chosen)) {
            rowsAdapterChoice.setValue(reports.isEmpty() ? null : reports.getFirst());
        }
    }

    private void showRows(EvalReport report) {
        rowsTable.setItems(report == null ? FXCollections.observableArrayList()
                : new FilteredList<>(FXCollections.observableArrayList(report.rows())));
        filterRows();
    }

    private void filterRows() {
        if (rowsTable.getItems() instanceof FilteredList<RowOutcome> rows) {
            rows.setPredicate(misclassifiedOnly.isSelected() ? o -> o.evaluated() && !o.correct() : o -> true);
        }
    }

    @FXML
    private void browse() {
        FileChooser chooser = new FileChooser();
        chooser.setTitle("Labelled data");
        chooser.getExtensionFilters().addAll(new FileChooser.ExtensionFilter("CSV or JSON Lines", "*.csv", "*.jsonl", "*.ndjson"),
                new FileChooser.ExtensionFilter("All files", "*"));
        File chosen = chooser.showOpenDialog(evalBrowseButton.getScene().getWindow());
        if (chosen != null) {
            evaluate.dataFileProperty().set(chosen.getPath());
            evaluate.readData();
        }
    }

    @FXML
    private void reload() {
        evaluate.readData();
    }

    @FXML
    private void addAdapter() {
        evaluate.addAdapter(adapterChoice.getEditor().getText());
    }

    @FXML
    private void addFolder() {
        DirectoryChooser chooser = new DirectoryChooser();
        chooser.setTitle("Adapter folder (adapter_config.json)");
        File chosen = chooser.showDialog(addFolderButton.getScene().getWindow());
        if (chosen != null) {
            evaluate.addAdapter(chosen.getPath());
        }
    }

    @FXML
    private void addBase() {
        evaluate.addBase();
    }

    @FXML
    private void removeAdapter() {
        EvalTarget selected = targetList.getSelectionModel().getSelectedItem();
        if (selected != null) {
            evaluate.removeAdapter(selected);
        }
    }

    @FXML
    private void run() {
        evaluate.run();
    }

    @FXML
    private void cancel() {
        evaluate.cancel();
    }

    @FXML
    private void openInPrompt() {
        evaluate.openInPrompt(rowsAdapterChoice.getValue(), rowsTable.getSelectionModel().getSelectedItem());
    }

    @FXML
    private void browseExportFolder() {
        DirectoryChooser chooser = new DirectoryChooser();
        chooser.setTitle("Export folder");
        File chosen = chooser.showDialog(exportButton.getScene().getWindow());
        if (chosen != null) {
            evaluate.exportFolderProperty().set(chosen.getPath());
        }
    }

    /** Eval's predictions CSV, and the charts (heat maps and reliability diagram) as they are shown, as PNG. */
    @FXML
    private void export() {
        Path csv = evaluate.exportCsv(evaluate.exportFolderProperty().get());
        if (csv == null) {
            return;
        }
        Path png = csv.resolveSibling(EvaluateViewModel.PNG_FILE);
        SnapshotParameters white = new SnapshotParameters();
        white.setFill(Color.WHITE);
        try {
            PngSnapshot.write(chartsPane.snapshot(white, null), png);
        } catch (IOException | RuntimeException e) {
            evaluate.exportFailed("Wrote " + csv + ", but not the charts' picture: " + e.getMessage());
            return;
        }
        evaluate.exported(List.of(csv, png));
    }
}
