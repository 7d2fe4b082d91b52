package dev.peftbench.ui.publish;

import dev.peftbench.publish.cluster.PublishEvent;
import javafx.fxml.FXML;
import javafx.scene.control.Button;
import javafx.scene.control.CheckBox;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.ComboBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/** Binds the Publish page's controls to its {@link PublishViewModel}. */
public final class PublishPageController {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

    private final PublishViewModel publish;

    @FXML private ComboBox<String> contextBox;
    @FXML private TextField namespaceField;
    @FXML private TextField imageField;
    @FXML private TextField runtimeNameField;
    @FXML private TextField serviceNameField;
    @FXML private TextField baseModelField;
    @FXML private TextField adapterField;
    @FXML private ChoiceBox<String> deviceChoice;
    @FXML private ChoiceBox<String> dtypeChoice;
    @FXML private ChoiceBox<String> backendChoice;
    @FXML private TextField storageKeyField;
    @FXML private TextField storagePathField;
    @FXML private TextField apiKeySecretField;
    @FXML private CheckBox gatewayCheck;
    @FXML private TextField gatewayHostsField;
    @FXML private CheckBox nativeRuntimeCheck;
    @FXML private CheckBox buildImageCheck;
    @FXML private CheckBox createNamespaceCheck;
    @FXML private Label contextHint;
    @FXML private Button publishButton;
    @FXML private Button deleteButton;
    @FXML private Label publishStatusLabel;
    @FXML private Label publishErrorLabel;
    @FXML private ListView<PublishEvent> eventList;
    @FXML private Label planErrorLabel;
    @FXML private TextArea yamlArea;

    public PublishPageController(PublishViewModel publish) {
        this.publish = publish;
    }

    @FXML
    private void initialize() {
        contextBox.setItems(publish.contexts());
        contextBox.getEditor().textProperty().bindBidirectional(publish.contextProperty());
        contextHint.setText(publish.contexts().isEmpty()
                ? "No kubeconfig contexts found: set KUBECONFIG or ~/.kube/config to publish."
                : "Empty context = the kubeconfig's current context.");
        namespaceField.textProperty().bindBidirectional(publish.namespaceProperty());
        imageField.textProperty().bindBidirectional(publish.imageProperty());
        runtimeNameField.textProperty().bindBidirectional(publish.runtimeNameProperty());
        serviceNameField.textProperty().bindBidirectional(publish.serviceNameProperty());
        baseModelField.textProperty().bindBidirectional(publish.baseModelProperty());
        adapterField.textProperty().bindBidirectional(publish.adapterProperty());
        deviceChoice.getItems().setAll(PublishViewModel.DEVICES);
        deviceChoice.valueProperty().bindBidirectional(publish.deviceProperty());
        dtypeChoice.getItems().setAll(PublishViewModel.DTYPES);
        dtypeChoice.valueProperty().bindBidirectional(publish.dtypeProperty());
        backendChoice.getItems().setAll(PublishViewModel.BACKENDS);
        backendChoice.valueProperty().bindBidirectional(publish.backendProperty());
        storageKeyField.textProperty().bindBidirectional(publish.storageKeyProperty());
        storagePathField.textProperty().bindBidirectional(publish.storagePathProperty());
        apiKeySecretField.textProperty().bindBidirectional(publish.apiKeySecretProperty());
        gatewayCheck.selectedProperty().bindBidirectional(publish.gatewayProperty());
        gatewayHostsField.textProperty().bindBidirectional(publish.gatewayHostsProperty());
        gatewayHostsField.disableProperty().bind(gatewayCheck.selectedProperty().not());
        nativeRuntimeCheck.selectedProperty().bindBidirectional(publish.nativeRuntimeProperty());
        createNamespaceCheck.selectedProperty().bindBidirectional(publish.createNamespaceProperty());
        buildImageCheck.selectedProperty().bindBidirectional(publish.buildImageProperty());

        var blocked = publish.busyProperty().or(publish.planErrorProperty().isNotEmpty());
        publishButton.disableProperty().bind(blocked);
        deleteButton.disableProperty().bind(blocked);
        publishStatusLabel.textProperty().bind(publish.statusProperty());
        publishErrorLabel.textProperty().bind(publish.errorProperty());
        publishErrorLabel.managedProperty().bind(publish.errorProperty().isNotEmpty());
        planErrorLabel.textProperty().bind(publish.planErrorProperty());
        planErrorLabel.managedProperty().bind(publish.planErrorProperty().isNotEmpty());
        yamlArea.textProperty().bind(publish.yamlProperty());

        eventList.setItems(publish.events());
        eventList.setPlaceholder(new Label("Publish progress appears here."));
        eventList.setCellFactory(list -> new ListCell<>() {
            @Override
            protected void updateItem(PublishEvent event, boolean empty) {
                super.updateItem(event, empty);
                setText(empty || event == null ? null : CLOCK.format(event.time()) + "  " + event);
            }
        });
    }

    @FXML
    private void publish() {
        publish.publish();
    }

    @FXML
    private void delete() {
        publish.delete();
    }
}
