package dev.peftbench.ui.prompt;

import dev.peftbench.engine.ServedModel;
import dev.peftbench.engine.chat.ChatMessage;
import dev.peftbench.ui.Workbench;
import javafx.beans.binding.Bindings;
import javafx.fxml.FXML;
import javafx.scene.Node;
import javafx.scene.Parent;
import javafx.scene.control.Button;
import javafx.scene.control.ChoiceBox;
import javafx.scene.control.Label;
import javafx.scene.control.ListCell;
import javafx.scene.control.ListView;
import javafx.scene.control.TextArea;
import javafx.scene.control.TextField;
import javafx.scene.control.TitledPane;
import javafx.scene.control.ToggleButton;
import javafx.scene.control.ToggleGroup;
import javafx.scene.input.KeyCode;
import javafx.scene.input.KeyCodeCombination;
import javafx.scene.input.KeyCombination;
import javafx.scene.input.KeyEvent;
import javafx.scene.input.MouseButton;
import javafx.scene.layout.VBox;
import javafx.scene.text.TextFlow;

import java.util.List;

/**
 * Binds the Prompt page's controls to its {@link PromptViewModel}. Ctrl+Enter runs and Esc stops
 * while the page is shown; they are scene-wide filters so they work from inside the input area,
 * which would otherwise take the Enter for itself.
 */
public final class PromptPageController {
    private static final KeyCombination RUN = new KeyCodeCombination(KeyCode.ENTER, KeyCombination.SHORTCUT_DOWN);
    private static final KeyCombination STOP = new KeyCodeCombination(KeyCode.ESCAPE);

    private final PromptViewModel prompt;
    private final Workbench workbench;

    @FXML private Parent promptRoot;
    @FXML private ToggleGroup modeGroup;
    @FXML private ToggleButton promptModeButton;
    @FXML private ToggleButton chatModeButton;
    @FXML private TitledPane templatePane;
    @FXML private TitledPane chatPane;
    @FXML private TextArea systemPromptArea;
    @FXML private Button newChatButton;
    @FXML private ListView<ChatMessage> conversationList;
    @FXML private Label inputLabel;
    @FXML private Label previewLabel;
    @FXML private ChoiceBox<TemplateKind> templateChoice;
    @FXML private TextField textColumnField;
    @FXML private TextField customTemplateField;
    @FXML private TextField maxNewTokensField;
    @FXML private TextField eosTokenIdsField;
    @FXML private TextField temperatureField;
    @FXML private TextField topKField;
    @FXML private TextField topPField;
    @FXML private TextField seedField;
    @FXML private ListView<RunRecord> historyList;
    @FXML private Button rerunButton;
    @FXML private TextArea inputArea;
    @FXML private TextArea previewArea;
    @FXML private Label templateErrorLabel;
    @FXML private Button runButton;
    @FXML private Button compareButton;
    @FXML private Button stopButton;
    @FXML private Label modelLabel;
    @FXML private Label promptErrorLabel;
    @FXML private Label outputTitle;
    @FXML private TextArea outputArea;
    @FXML private Label statsLabel;
    @FXML private TextFlow tokenFlow;
    @FXML private TextFlow baseTokenFlow;
    @FXML private VBox basePane;
    @FXML private TextArea baseOutputArea;
    @FXML private Label baseStatsLabel;

    public PromptPageController(PromptViewModel prompt, Workbench workbench) {
        this.prompt = prompt;
        this.workbench = workbench;
    }

    @FXML
    private void initialize() {
        bindMode();
        templateChoice.getItems().setAll(TemplateKind.values());
        templateChoice.valueProperty().bindBidirectional(prompt.templateKindProperty());
        textColumnField.textProperty().bindBidirectional(prompt.textColumnProperty());
        customTemplateField.textProperty().bindBidirectional(prompt.customTemplateProperty());
        showOnlyFor(textColumnField, TemplateKind.SEED);
        showOnlyFor(customTemplateField, TemplateKind.CUSTOM);
        maxNewTokensField.textProperty().bindBidirectional(prompt.maxNewTokensProperty());
        eosTokenIdsField.textProperty().bindBidirectional(prompt.eosTokenIdsProperty());
        temperatureField.textProperty().bindBidirectional(prompt.temperatureProperty());
        topKField.textProperty().bindBidirectional(prompt.topKProperty());
        topPField.textProperty().bindBidirectional(prompt.topPProperty());
        seedField.textProperty().bindBidirectional(prompt.seedProperty());
        inputArea.textProperty().bindBidirectional(prompt.inputProperty());
        // The preview carries earlier answers, so it shows control characters as the output does.
        previewArea.textProperty().bind(Bindings.createStringBinding(
                () -> VisibleText.of(prompt.previewProperty().get()), prompt.previewProperty()));
        templateErrorLabel.textProperty().bind(prompt.templateErrorProperty());
        templateErrorLabel.managedProperty().bind(prompt.templateErrorProperty().isNotEmpty());

        var noModel = workbench.loadedModelProperty().isNull();
        runButton.disableProperty().bind(prompt.runningProperty().or(noModel));
        compareButton.disableProperty().bind(prompt.runningProperty().or(noModel));
        stopButton.disableProperty().bind(prompt.runningProperty().not());
        modelLabel.textProperty().bind(Bindings.createStringBinding(
                () -> describe(workbench.loadedModelProperty().get()), workbench.loadedModelProperty()));
        promptErrorLabel.textProperty().bind(prompt.errorProperty());
        promptErrorLabel.managedProperty().bind(prompt.errorProperty().isNotEmpty());

        outputArea.textProperty().bind(Bindings.createStringBinding(
                () -> VisibleText.of(prompt.outputProperty().get()), prompt.outputProperty()));
        statsLabel.textProperty().bind(prompt.statsProperty());
        baseOutputArea.textProperty().bind(Bindings.createStringBinding(
                () -> VisibleText.of(prompt.baseOutputProperty().get()), prompt.baseOutputProperty()));
        baseStatsLabel.textProperty().bind(prompt.baseStatsProperty());
        TokenShading.follow(prompt.outputTokens(), tokenFlow);
        TokenShading.follow(prompt.baseOutputTokens(), baseTokenFlow);
        basePane.visibleProperty().bind(prompt.comparingProperty());
        basePane.managedProperty().bind(prompt.comparingProperty());
        var chat = prompt.modeProperty().isEqualTo(PromptMode.CHAT);
        outputTitle.textProperty().bind(Bindings.when(prompt.comparingProperty())
                .then(Bindings.when(chat).then("Assistant, with adapter").otherwise("With adapter"))
                .otherwise(Bindings.when(chat).then("Assistant").otherwise("Output")));
        // Keep the newest streamed text in view.
        outputArea.textProperty().addListener((o, a, b) -> outputArea.setScrollTop(Double.MAX_VALUE));

        historyList.setItems(prompt.history());
        historyList.setCellFactory(list -> new ListCell<>() {
            @Override
            protected void updateItem(RunRecord item, boolean empty) {
                super.updateItem(item, empty);
                setText(empty || item == null ? null : item.summary());
            }
        });
        historyList.setOnMouseClicked(e -> {
            if (e.getButton() == MouseButton.PRIMARY && e.getClickCount() == 2) {
                rerunSelected();
            }
        });
        rerunButton.disableProperty().bind(historyList.getSelectionModel().selectedItemProperty().isNull()
                .or(prompt.runningProperty()));

        promptRoot.sceneProperty().addListener((o, a, scene) -> {
            if (scene != null) {
                scene.addEventFilter(KeyEvent.KEY_PRESSED, this::onShortcut);
            }
        });
    }

    /** The Prompt / Chat toggle and what each mode shows; one of the two is always selected. */
    private void bindMode() {
        promptModeButton.setUserData(PromptMode.PROMPT);
        chatModeButton.setUserData(PromptMode.CHAT);
        modeGroup.selectToggle(prompt.modeProperty().get() == PromptMode.CHAT ? chatModeButton : promptModeButton);
        modeGroup.selectedToggleProperty().addListener((o, old, selected) -> {
            if (selected == null) {
                modeGroup.selectToggle(old);
            } else {
                prompt.modeProperty().set((PromptMode) selected.getUserData());
            }
        });
        prompt.modeProperty().addListener((o, a, m) -> modeGroup.selectToggle(m == PromptMode.CHAT ? chatModeButton : promptModeButton));
        var chat = prompt.modeProperty().isEqualTo(PromptMode.CHAT);
        for (Node node : List.of(chatPane, conversationList)) {
            node.visibleProperty().bind(chat);
            node.managedProperty().bind(chat);
        }
        templatePane.visibleProperty().bind(chat.not());
        templatePane.managedProperty().bind(chat.not());
        systemPromptArea.textProperty().bindBidirectional(prompt.systemPromptProperty());
        newChatButton.disableProperty().bind(Bindings.isEmpty(prompt.turns()).or(prompt.runningProperty()));
        conversationList.setItems(prompt.turns());
        conversationList.setPlaceholder(new Label("No turns yet: the conversation starts with your message."));
        conversationList.setCellFactory(list -> new ListCell<>() {
            @Override
            protected void updateItem(ChatMessage item, boolean empty) {
                super.updateItem(item, empty);
                setText(empty || item == null ? null : item.role() + ":  " + VisibleText.of(item.content()).strip());
            }
        });
        inputLabel.textProperty().bind(Bindings.when(chat).then("Your message").otherwise("Input"));
        previewArea.prefRowCountProperty().bind(Bindings.when(chat).then(7).otherwise(2));
        previewLabel.textProperty().bind(Bindings.when(chat)
                .then("Sent to the model (the model's chat template applied to the conversation)")
                .otherwise("Sent to the model (template applied)"));
    }

    private void onShortcut(KeyEvent e) {
        if (!promptRoot.isVisible()) {
            return;
        }
        if (RUN.match(e)) {
            prompt.run();
            e.consume();
        } else if (STOP.match(e) && prompt.runningProperty().get()) {
            prompt.stop();
            e.consume();
        }
    }

    private void showOnlyFor(TextField field, TemplateKind kind) {
        var shown = prompt.templateKindProperty().isEqualTo(kind);
        field.visibleProperty().bind(shown);
        field.managedProperty().bind(shown);
    }

    private static String describe(ServedModel model) {
        if (model == null) {
            return "no model loaded";
        }
        return "model " + model.name() + model.adapter().map(a -> " (" + a.peftType() + " adapter)").orElse("");
    }

    @FXML
    private void run() {
        prompt.run();
    }

    @FXML
    private void compare() {
        prompt.compare();
    }

    @FXML
    private void stop() {
        prompt.stop();
    }

    @FXML
    private void newChat() {
        prompt.newChat();
    }

    @FXML
    private void rerunSelected() {
        RunRecord selected = historyList.getSelectionModel().getSelectedItem();
        if (selected != null) {
            prompt.rerun(selected);
        }
    }
}
