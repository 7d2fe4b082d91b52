package dev.peftbench.ui;

import dev.peftbench.engine.ServedModel;
import javafx.fxml.FXML;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.control.Alert;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ProgressBar;
import javafx.scene.control.TextArea;
import javafx.scene.control.Toggle;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToggleGroup;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCodeCombination;
import javafx.scene.input.KeyCombination;

import java.util.Map;

/**
 * The main window: a page switcher on the left (also Ctrl+1…), the pages stacked in the middle, and a
 * status bar with the current long action, its progress and Cancel.
 */
public final class ShellController {
    private final Workbench workbench;
    private final About about;

    @FXML private Parent root;
    @FXML private ToggleGroup pageGroup;
    @FXML private ToggleButton modelTab;
    @FXML private ToggleButton promptTab;
    @FXML private ToggleButton serveTab;
    @FXML private ToggleButton publishTab;
    @FXML private ToggleButton tuneTab;
    @FXML private ToggleButton evaluateTab;
    @FXML private Node modelPage;
    @FXML private Node promptPage;
    @FXML private Node servePage;
    @FXML private Node publishPage;
    @FXML private Node tunePage;
    @FXML private Node evaluatePage;
    @FXML private Label loadedModelLabel;
    @FXML private Label statusMessage;
    @FXML private ProgressBar statusProgress;
    @FXML private Button statusCancel;

    private Map<Toggle, Node> pages;

    public ShellController(Workbench workbench, About about) {
        this.workbench = workbench;
        this.about = about;
    }

    @FXML
    private void initialize() {
        pages = Map.of(modelTab, modelPage, promptTab, promptPage, serveTab, servePage, publishTab, publishPage, tuneTab, tunePage,
                evaluateTab, evaluatePage);
        pageGroup.selectedToggleProperty().addListener((o, previous, selected) -> {
            if (selected == null) {
                // A page switcher always shows one page: clicking the selected tab again keeps it.
                pageGroup.selectToggle(previous);
                return;
            }
            pages.forEach((tab, page) -> page.setVisible(tab == selected));
        });
        pageGroup.selectToggle(modelTab);

        Activity activity = workbench.activity();
        statusMessage.textProperty().bind(activity.messageProperty());
        statusProgress.progressProperty().bind(activity.progressProperty());
        statusProgress.visibleProperty().bind(activity.busyProperty());
        statusCancel.visibleProperty().bind(activity.busyProperty().and(activity.cancellableProperty()));
        workbench.loadedModelProperty().addListener((o, a, model) -> loadedModelLabel.setText(describe(model)));
        loadedModelLabel.setText(describe(workbench.loadedModelProperty().get()));

        root.sceneProperty().addListener((o, a, scene) -> {
            if (scene != null) {
                scene.getAccelerators().put(new KeyCodeCombination(KeyCode.DIGIT1, KeyCombination.SHORTCUT_DOWN), () -> show(Page.MODEL));
                scene.getAccelerators().put(new KeyCodeCombination(KeyCode.DIGIT2, KeyCombination.SHORTCUT_DOWN), () -> show(Page.PROMPT));
                scene.getAccelerators().put(new KeyCodeCombination(KeyCode.DIGIT3, KeyCombination.SHORTCUT_DOWN), () -> show(Page.SERVE));
                scene.getAccelerators().put(new KeyCodeCombination(KeyCode.DIGIT4, KeyCombination.SHORTCUT_DOWN), () -> show(Page.PUBLISH));
                scene.getAccelerators().put(new KeyCodeCombination(KeyCode.DIGIT5, KeyCombination.SHORTCUT_DOWN), () -> show(Page.TUNE));
                scene.getAccelerators().put(new KeyCodeCombination(KeyCode.DIGIT6, KeyCombination.SHORTCUT_DOWN), () -> show(Page.EVALUATE));
            }
        });
    }

    private static String describe(ServedModel model) {
        return model == null ? "No model loaded" : "Loaded: " + model.name();
    }

    public void show(Page page) {
        pageGroup.selectToggle(switch (page) {
            case MODEL -> modelTab;
            case PROMPT -> promptTab;
            case SERVE -> serveTab;
            case PUBLISH -> publishTab;
            case TUNE -> tuneTab;
            case EVALUATE -> evaluateTab;
        });
    }

    /** Help › About: the build and runtime, and where settings, the log and downloaded models are (selectable, to copy). */
    @FXML
    private void showAbout() {
        Alert dialog = new Alert(Alert.AlertType.INFORMATION);
        dialog.setTitle("About PEFT Workbench");
        dialog.setHeaderText(about.title());
        TextArea text = new TextArea(about.text());
        text.setId("aboutText");
        text.setEditable(false);
        text.setWrapText(true);
        text.setPrefRowCount(8);
        text.setPrefColumnCount(70);
        dialog.getDialogPane().setContent(text);
        dialog.initOwner(root.getScene().getWindow());
        dialog.show();
    }

    @FXML
    private void cancelActivity() {
        workbench.activity().cancel();
    }

    /** The pages of the window, in switcher order. */
    public enum Page { MODEL, PROMPT, SERVE, PUBLISH, TUNE, EVALUATE }
}
