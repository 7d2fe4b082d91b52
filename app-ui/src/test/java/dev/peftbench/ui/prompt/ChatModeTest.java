package dev.peftbench.ui.prompt;

import dev.peftbench.engine.Engine;
import dev.peftbench.engine.GenerationRequest;
import dev.peftbench.engine.GenerationResult;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.engine.ServedModel;
import dev.peftbench.engine.TokenListener;
import dev.peftbench.engine.chat.ChatMessage;
import dev.peftbench.engine.chat.Conversation;
import dev.peftbench.ui.ShellController;
import dev.peftbench.ui.TestWindows;
import dev.peftbench.ui.WorkbenchWindow;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.TextArea;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Prompt page's Chat mode on the bundled sample, whose tokenizer_config.json carries a chat
 * template: the preview is the engine's rendering of the conversation, the streamed answer is what
 * the engine generates for it, and each answer becomes the assistant's turn of the next request.
 */
@ExtendWith(ApplicationExtension.class)
class ChatModeTest {
    private static ServedModel sample;
    private static ServedModel noTemplate;
    @TempDir
    static Path tmp;
    private WorkbenchWindow window;
    private PromptViewModel prompt;

    @BeforeAll
    static void loadModels() throws IOException {
        Engine engine = TestWindows.engine();
        Path models = TestWindows.sampleModels();
        sample = engine.load("chat-page-sample", ModelSpec.of(models.resolve("tiny-bloom").toString(),
                models.resolve("tiny-bloom-prompt-tuning").toString(), null), (f, m) -> { });
        Path plain = Files.createDirectory(tmp.resolve("tiny-bloom-without-chat-template"));
        try (var files = Files.list(models.resolve("tiny-bloom"))) {
            for (Path f : files.filter(p -> !p.getFileName().toString().equals("tokenizer_config.json")).toList()) {
                Files.copy(f, plain.resolve(f.getFileName()));
            }
        }
        noTemplate = engine.load("chat-page-no-template", ModelSpec.of(plain.toString(), null, null), (f, m) -> { });
    }

    @Start
    void start(Stage stage) {
        window = TestWindows.open(stage);
        window.workbench().loadedModelProperty().set(sample);
        window.shell().show(ShellController.Page.PROMPT);
        prompt = window.prompt();
    }

    @Test
    void aMultiTurnChatStreamsEachAnswerIntoTheAssistantTurn(FxRobot robot) {
        robot.clickOn("#chatModeButton");
        robot.clickOn("#systemPromptArea").press(KeyCode.CONTROL, KeyCode.A).release(KeyCode.A, KeyCode.CONTROL).write("Be brief.");
        typeMessage(robot, "Hi there");
        Conversation first = conversation(ChatMessage.system("Be brief."), ChatMessage.user("Hi there"));
        assertEquals(VisibleText.of(TestWindows.engine().renderChat(sample.name(), first)), previewShown(robot));
        robot.press(KeyCode.CONTROL, KeyCode.ENTER).release(KeyCode.ENTER, KeyCode.CONTROL);
        awaitRunEnd();

        GenerationResult answer = generate(first, true);
        assertEquals("", prompt.errorProperty().get());
        assertEquals(answer.generatedText(), prompt.outputProperty().get());
        assertEquals(VisibleText.of(answer.generatedText()), robot.lookup("#outputArea").queryAs(TextArea.class).getText());
        assertEquals(List.of(ChatMessage.user("Hi there"), ChatMessage.assistant(answer.generatedText())), prompt.turns());
        assertEquals(2, robot.lookup("#conversationList").queryListView().getItems().size());
        assertEquals("", prompt.inputProperty().get(), "the message box is ready for the next turn");

        typeMessage(robot, "Classify: great service");
        Conversation second = conversation(ChatMessage.system("Be brief."), ChatMessage.user("Hi there"),
                ChatMessage.assistant(answer.generatedText()), ChatMessage.user("Classify: great service"));
        assertEquals(VisibleText.of(TestWindows.engine().renderChat(sample.name(), second)), previewShown(robot),
                "the earlier answer's control characters show as the output shows them");
        robot.clickOn("#runButton");
        awaitRunEnd();
        assertEquals(generate(second, true).generatedText(), prompt.outputProperty().get());
        assertEquals(4, prompt.turns().size());

        robot.clickOn("#newChatButton");
        assertTrue(prompt.turns().isEmpty());
    }

    @Test
    void compareInChatModeAnswersWithAndWithoutTheAdapter(FxRobot robot) {
        robot.clickOn("#chatModeButton");
        robot.interact(() -> prompt.systemPromptProperty().set(""));
        typeMessage(robot, "My order never arrived");
        robot.clickOn("#compareButton");
        awaitRunEnd();

        Conversation asked = conversation(ChatMessage.user("My order never arrived"));
        assertEquals(generate(asked, true).generatedText(), prompt.outputProperty().get());
        assertEquals(generate(asked, false).generatedText(), prompt.baseOutputProperty().get());
        assertTrue(robot.lookup("#baseOutputArea").query().isVisible());
        assertEquals("Assistant, with adapter", robot.lookup("#outputTitle").queryAs(Label.class).getText());
    }

    @Test
    void aChatFromTheHistoryComesBackWithItsConversation(FxRobot robot) {
        robot.clickOn("#chatModeButton");
        robot.interact(() -> prompt.systemPromptProperty().set("Be brief."));
        typeMessage(robot, "first");
        robot.clickOn("#runButton");
        awaitRunEnd();
        String firstAnswer = prompt.outputProperty().get();
        robot.clickOn("#newChatButton");
        robot.clickOn("#promptModeButton");

        ListView<?> history = robot.lookup("#historyList").queryListView();
        robot.interact(() -> history.getSelectionModel().select(0));
        robot.clickOn("#rerunButton");
        awaitRunEnd();

        assertEquals(PromptMode.CHAT, prompt.modeProperty().get());
        assertEquals(firstAnswer, prompt.outputProperty().get());
        assertEquals(List.of(ChatMessage.user("first"), ChatMessage.assistant(firstAnswer)), prompt.turns());
    }

    @Test
    void aModelWithoutAChatTemplateIsExplainedAndNothingRuns(FxRobot robot) {
        robot.interact(() -> window.workbench().loadedModelProperty().set(noTemplate));
        robot.clickOn("#chatModeButton");
        typeMessage(robot, "Hello?");
        String explained = robot.lookup("#templateErrorLabel").queryAs(Label.class).getText();
        assertTrue(explained.contains("no chat template"), explained);
        robot.clickOn("#runButton");
        awaitRunEnd();
        String error = robot.lookup("#promptErrorLabel").queryAs(Label.class).getText();
        assertTrue(error.contains("no chat template"), error);
        assertTrue(prompt.history().isEmpty());
        assertTrue(prompt.turns().isEmpty());
    }

    private static Conversation conversation(ChatMessage... messages) {
        return Conversation.of(List.of(messages));
    }

    private GenerationResult generate(Conversation conversation, boolean useAdapter) {
        return TestWindows.engine().generate(GenerationRequest.chat(sample.name(), conversation, prompt.samplingParams(),
                useAdapter), TokenListener.NONE);
    }

    private String previewShown(FxRobot robot) {
        return robot.lookup("#previewArea").queryAs(TextArea.class).getText();
    }

    private void typeMessage(FxRobot robot, String text) {
        robot.clickOn("#inputArea").press(KeyCode.CONTROL, KeyCode.A).release(KeyCode.A, KeyCode.CONTROL).write(text);
        assertEquals(text, prompt.inputProperty().get());
    }

    private void awaitRunEnd() {
        TestWindows.waitUntil(() -> !prompt.runningProperty().get());
    }
}
