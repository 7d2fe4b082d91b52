package dev.peftbench.ui.serve;

import javafx.beans.property.ReadOnlyObjectWrapper;
import javafx.beans.property.ReadOnlyStringWrapper;
import javafx.fxml.FXML;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.TableColumn;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.input.Clipboard;
import javafx.scene.input.ClipboardContent;

import dev.peftbench.serve.ServedRequest;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/** Binds the Serve page's controls to its {@link ServeViewModel}. */
public final class ServePageController {
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneId.systemDefault());

    private final ServeViewModel serve;

    @FXML private TextField httpPortField;
    @FXML private TextField grpcPortField;
    @FXML private Button startServerButton;
    @FXML private Button stopServerButton;
    @FXML private Label statusLabel;
    @FXML private Label serveErrorLabel;
    @FXML private TextField restUrlField;
    @FXML private TextField grpcAddressField;
    @FXML private Label metricsLabel;
    @FXML private TextArea curlArea;
    @FXML private Button copyCurlButton;
    @FXML private TableView<ServedRequest> requestTable;
    @FXML private TableColumn<ServedRequest, String> timeColumn;
    @FXML private TableColumn<ServedRequest, String> modelColumn;
    @FXML private TableColumn<ServedRequest, String> latencyColumn;
    @FXML private TableColumn<ServedRequest, String> statusColumn;
    @FXML private TableColumn<ServedRequest, Integer> tokensColumn;

    public ServePageController(ServeViewModel serve) {
        this.serve = serve;
    }

    @FXML
    private void initialize() {
        httpPortField.textProperty().bindBidirectional(serve.httpPortProperty());
        grpcPortField.textProperty().bindBidirectional(serve.grpcPortProperty());
        var stopped = serve.stateProperty().isEqualTo(ServerState.STOPPED);
        httpPortField.disableProperty().bind(stopped.not());
        grpcPortField.disableProperty().bind(stopped.not());
        startServerButton.disableProperty().bind(stopped.not());
        stopServerButton.disableProperty().bind(serve.stateProperty().isNotEqualTo(ServerState.RUNNING));
        statusLabel.textProperty().bind(serve.statusProperty());
        serveErrorLabel.textProperty().bind(serve.errorProperty());
        serveErrorLabel.managedProperty().bind(serve.errorProperty().isNotEmpty());
        restUrlField.textProperty().bind(serve.restUrlBinding());
        grpcAddressField.textProperty().bind(serve.grpcAddressBinding());
        metricsLabel.textProperty().bind(serve.metricsProperty());
        curlArea.textProperty().bind(serve.curlBinding());
        copyCurlButton.disableProperty().bind(serve.curlBinding().isEmpty());

        requestTable.setItems(serve.requests());
        requestTable.setPlaceholder(new Label("Requests to the server appear here."));
        timeColumn.setCellValueFactory(c -> new ReadOnlyStringWrapper(CLOCK.format(c.getValue().time())));
        modelColumn.setCellValueFactory(c -> new ReadOnlyStringWrapper(c.getValue().model()));
        latencyColumn.setCellValueFactory(c -> new ReadOnlyStringWrapper(
                String.format(Locale.ROOT, "%.1f", c.getValue().latencyMs())));
        statusColumn.setCellValueFactory(c -> new ReadOnlyStringWrapper(c.getValue().status()));
        tokensColumn.setCellValueFactory(c -> new ReadOnlyObjectWrapper<>(c.getValue().generatedTokens()));
    }

    @FXML
    private void start() {
        serve.start();
    }

    @FXML
    private void stop() {
        serve.stop();
    }

    @FXML
    private void copyCurl() {
        ClipboardContent content = new ClipboardContent();
        content.putString(serve.curlBinding().get());
        Clipboard.getSystemClipboard().setContent(content);
    }
}
