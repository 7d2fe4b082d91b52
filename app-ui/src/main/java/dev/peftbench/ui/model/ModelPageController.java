package dev.peftbench.ui.model;

import dev.peftbench.engine.Backend;
import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.Device;
import javafx.beans.binding.Bindings;
import javafx.fxml.FXML;
import javafx.scene.control.Button;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.layout.GridPane;
import javafx.stage.DirectoryChooser;

import java.io.File;
import java.util.List;

/** Binds the Model page's controls to its {@link ModelViewModel}; the folder choosers live here because they need the window. */
public final class ModelPageController {
    private final ModelViewModel model;

    @FXML private ComboBox<String> baseModelBox;
    @FXML private ComboBox<String> adapterBox;
    @FXML private Button baseModelBrowse;
    @FXML private ChoiceBox<Device> deviceChoice;
    @FXML private ChoiceBox<ComputeType> dtypeChoice;
    @FXML private ChoiceBox<Backend> backendChoice;
    @FXML private Label hubCacheLabel;
    @FXML private Button downloadButton;
    @FXML private Button cancelDownloadButton;
    @FXML private ProgressBar downloadProgress;
    @FXML private Label downloadMessage;
    @FXML private Button loadButton;
    @FXML private Button cancelLoadButton;
    @FXML private ProgressBar loadProgress;
    @FXML private Label loadMessage;
    @FXML private Label modelErrorLabel;
    @FXML private GridPane baseFacts;
    @FXML private GridPane adapterFacts;

    public ModelPageController(ModelViewModel model) {
        this.model = model;
    }

    @FXML
    private void initialize() {
        baseModelBox.setItems(model.cachedHubIds());
        adapterBox.setItems(model.cachedHubIds());
        baseModelBox.getEditor().textProperty().bindBidirectional(model.baseModelProperty());
        adapterBox.getEditor().textProperty().bindBidirectional(model.adapterProperty());
        deviceChoice.getItems().setAll(Device.values());
        deviceChoice.valueProperty().bindBidirectional(model.deviceProperty());
        dtypeChoice.getItems().setAll(ComputeType.values());
        dtypeChoice.setConverter(new javafx.util.StringConverter<>() {
            @Override
            public String toString(ComputeType type) {
                return type == null ? "" : type.label();
            }

            @Override
            public ComputeType fromString(String label) {
                return ComputeType.parse(label);
            }
        });
        dtypeChoice.valueProperty().bindBidirectional(model.dtypeProperty());
        backendChoice.getItems().setAll(Backend.values());
        backendChoice.valueProperty().bindBidirectional(model.backendProperty());

        hubCacheLabel.textProperty().bind(model.hubCacheHintProperty());
        downloadButton.disableProperty().bind(model.downloadingProperty().or(Bindings.createBooleanBinding(
                () -> model.hubIdsToDownload().isEmpty(), model.baseModelProperty(), model.adapterProperty())));
        cancelDownloadButton.visibleProperty().bind(model.downloadingProperty());
        downloadProgress.visibleProperty().bind(model.downloadingProperty());
        downloadProgress.progressProperty().bind(model.downloadProgressProperty());
        downloadMessage.textProperty().bind(model.downloadMessageProperty());
        downloadMessage.visibleProperty().bind(model.downloadingProperty());

        loadButton.disableProperty().bind(model.loadingProperty());
        cancelLoadButton.visibleProperty().bind(model.loadingProperty());
        loadProgress.visibleProperty().bind(model.loadingProperty());
        loadProgress.progressProperty().bind(model.progressProperty());
        loadMessage.textProperty().bind(model.progressMessageProperty());
        loadMessage.visibleProperty().bind(model.loadingProperty());
        modelErrorLabel.textProperty().bind(model.errorProperty());
        modelErrorLabel.managedProperty().bind(model.errorProperty().isNotEmpty());
        model.factsProperty().addListener((o, a, facts) -> show(facts));
        show(model.factsProperty().get());
    }

    private void show(ModelFacts facts) {
        fill(baseFacts, facts == null ? List.of() : facts.base(), "Load a model to see its architecture and size.");
        fill(adapterFacts, facts == null ? List.of() : facts.adapter(), "No adapter loaded.");
    }

    private static void fill(GridPane grid, List<ModelFacts.Fact> facts, String empty) {
        grid.getChildren().clear();
        if (facts.isEmpty()) {
            grid.add(new Label(empty), 0, 0);
            return;
        }
        for (int row = 0; row < facts.size(); row++) {
            Label name = new Label(facts.get(row).label());
            name.getStyleClass().add("fact-name");
            Label value = new Label(facts.get(row).value());
            value.setWrapText(true);
            value.setId("fact-" + facts.get(row).label().replaceAll("\\W+", "-").toLowerCase(java.util.Locale.ROOT));
            grid.addRow(row, name, value);
        }
    }

    @FXML
    private void chooseBaseFolder() {
        chooseFolder("Base model folder (with config.json)", model.baseModelProperty().get(), model.baseModelProperty()::set);
    }

    @FXML
    private void chooseAdapterFolder() {
        chooseFolder("PEFT adapter folder (with adapter_config.json)", model.adapterProperty().get(), model.adapterProperty()::set);
    }

    @FXML
    private void clearAdapter() {
        model.adapterProperty().set("");
    }

    private void chooseFolder(String title, String current, java.util.function.Consumer<String> target) {
        DirectoryChooser chooser = new DirectoryChooser();
        chooser.setTitle(title);
        File start = current == null || current.isBlank() ? null : new File(current);
        if (start != null && start.isDirectory()) {
            chooser.setInitialDirectory(start.getParentFile() != null ? start.getParentFile() : start);
        }
        File chosen = chooser.showDialog(baseModelBrowse.getScene().getWindow());
        if (chosen != null) {
            target.accept(chosen.getAbsolutePath());
        }
    }

    @FXML
    private void load() {
        model.load();
    }

    @FXML
    private void cancel() {
        model.cancel();
    }

    @FXML
    private void download() {
        model.download();
    }

    @FXML
    private void cancelDownload() {
        model.cancelDownload();
    }
}
