package dev.peftbench.ui.prompt;

import dev.peftbench.engine.Engine;
import dev.peftbench.engine.GenerationRequest;
import dev.peftbench.engine.GenerationResult;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.engine.ServedModel;
import dev.peftbench.engine.TokenListener;
import dev.peftbench.engine.TokenLogprob;
import dev.peftbench.engine.TokenLogprobs;
import dev.peftbench.engine.generate.SamplingParams;
import dev.peftbench.engine.generate.PromptTemplate;
import dev.peftbench.engine.train.DataFile;
import dev.peftbench.ui.ShellController;
import dev.peftbench.ui.TestWindows;
import dev.peftbench.ui.WorkbenchWindow;
import javafx.scene.control.Button;
import javafx.scene.control.Label;
import javafx.scene.control.ListView;
import javafx.scene.control.TextArea;
import javafx.scene.input.KeyCode;
import javafx.scene.text.TextFlow;
import javafx.stage.Stage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(ApplicationExtension.class)
class PromptPageTest {
    private static ServedModel sample;
    private WorkbenchWindow window;
    private PromptViewModel prompt;

    @BeforeAll
    static void loadSample() {
        Engine engine = TestWindows.engine();
        sample = engine.load("prompt-page-sample", ModelSpec.of(TestWindows.sampleModels().resolve("tiny-bloom").toString(),
                TestWindows.sampleModels().resolve("tiny-bloom-prompt-tuning").toString(), null), (f, m) -> { });
    }

    @Start
    void start(Stage stage) {
        window = TestWindows.open(stage);
        window.workbench().loadedModelProperty().set(sample);
        window.shell().show(ShellController.Page.PROMPT);
        prompt = window.prompt();
    }

    @Test
    void ctrlEnterStreamsTheSameOutputTheEngineGenerates(FxRobot robot) {
        typeInput(robot, "The service was slow and nobody answered");
        robot.press(KeyCode.CONTROL, KeyCode.ENTER).release(KeyCode.ENTER, KeyCode.CONTROL);
        awaitRunEnd();

        GenerationResult expected = generate("The service was slow and nobody answered", true);
        assertEquals("", prompt.errorProperty().get());
        assertEquals(expected.generatedText(), prompt.outputProperty().get());
        assertEquals(VisibleText.of(expected.generatedText()), robot.lookup("#outputArea").queryAs(TextArea.class).getText());
        String stats = robot.lookup("#statsLabel").queryAs(Label.class).getText();
        assertTrue(stats.contains("generated " + expected.generatedTokenIds().size() + " tokens"), stats);
        assertTrue(stats.contains("prompt " + expected.promptTokenIds().size() + " tokens"), stats);
    }

    /**
     * The page opens on the reference tweet and answers it as {@code ./peftbench generate --prompt ...} does
     * (GenerateCommandTest holds the command to the same row): the label that tweet has in the data the
     * bundled adapter was tuned on.
     */
    @Test
    void theReferenceTweetIsAnsweredWithItsLabelFromTheTuningDataAsTheGenerateCommandAnswersIt(FxRobot robot) throws Exception {
        String input = prompt.inputProperty().get();
        robot.clickOn("#runButton");
        awaitRunEnd();

        String label = DataFile.read(TestWindows.sampleModels().getParent().resolve("tweet-complaints.csv"))
                .examples("Tweet text", "text_label").stream()
                .filter(e -> e.text().equals(input)).findFirst().orElseThrow().label();
        assertEquals(label, prompt.outputProperty().get());
        assertEquals("Tweet text : " + input + " Label : " + label, prompt.previewProperty().get() + prompt.outputProperty().get());
    }

    /**
     * The answer's tokens, one node each, shaded by probability, each with a tooltip giving the log-probabilities the
     * engine reports for the same request (5 alternatives).
     */
    @Test
    void eachGeneratedTokenIsShownWithItsProbabilityAndTopAlternatives(FxRobot robot) {
        typeInput(robot, "@MetroBusLines my bus never came and I was late again");
        robot.clickOn("#runButton");
        awaitRunEnd();

        GenerationResult expected = TestWindows.engine().generate(new GenerationRequest(sample.name(), prompt.inputProperty().get(),
                prompt.template(), prompt.samplingParams().withLogprobs(new SamplingParams.Logprobs(5, false)), true), TokenListener.NONE);
        assertEquals(expected.generatedTokenIds().size(), expected.logprobs().size());
        TextFlow flow = robot.lookup("#tokenFlow").queryAs(TextFlow.class);
        assertEquals(expected.logprobs().size(), flow.getChildren().size(), "one node per generated token");
        Set<String> shades = new HashSet<>();
        for (int i = 0; i < expected.logprobs().size(); i++) {
            TokenLogprobs want = expected.logprobs().get(i);
            Label node = (Label) flow.getChildren().get(i);
            String tip = node.getTooltip().getText();
            assertTrue(tip.startsWith("'" + visible(want.token()) + "'  p = " + percent(want.logprob())), tip);
            assertEquals(5, want.top().size());
            for (TokenLogprob alternative : want.top()) {
                assertTrue(tip.contains("'" + visible(alternative.token()) + "'  " + percent(alternative.logprob())), tip);
            }
            shades.add(node.getStyle());
        }
        assertTrue(expected.logprobs().stream().map(TokenLogprobs::logprob).distinct().count() <= 1 || shades.size() > 1,
                "tokens of different probability are shaded differently");
    }

    /** Control characters as their pictures (U+2400...), a line break as ⏎: how the page shows a token. */
    private static String visible(String token) {
        StringBuilder out = new StringBuilder();
        token.chars().forEach(c -> out.append(c == '\n' ? "⏎" : c == '\t' ? "⇥" : c < 0x20 ? String.valueOf((char) (0x2400 + c))
                : c == 0x7f ? "\u2421" : String.valueOf((char) c)));
        return out.toString();
    }

    private static String percent(double logprob) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * Math.exp(logprob));
    }

    @Test
    void thePreviewIsExactlyTheTextSentToTheModel(FxRobot robot) {
        robot.interact(() -> prompt.templateKindProperty().set(TemplateKind.CUSTOM));
        robot.clickOn("#customTemplateField").press(KeyCode.CONTROL, KeyCode.A).release(KeyCode.A, KeyCode.CONTROL)
                .write("Review: no placeholder");
        assertFalse(robot.lookup("#templateErrorLabel").queryAs(Label.class).getText().isBlank(),
                "a template without {input} is explained");

        robot.write(" {input} Verdict:");
        typeInput(robot, "great food");
        String preview = robot.lookup("#previewArea").queryAs(TextArea.class).getText();
        robot.clickOn("#runButton");
        awaitRunEnd();

        GenerationResult expected = TestWindows.engine().generate(new GenerationRequest(sample.name(), "great food",
                PromptTemplate.parse("Review: no placeholder {input} Verdict:", null), prompt.samplingParams(), true),
                TokenListener.NONE);
        assertEquals(expected.prompt(), preview);
        assertEquals(expected.generatedText(), prompt.outputProperty().get());
    }

    @Test
    void compareShowsTheOutputWithAndWithoutTheAdapterSideBySide(FxRobot robot) {
        typeInput(robot, "My order never arrived");
        robot.clickOn("#compareButton");
        awaitRunEnd();

        assertTrue(robot.lookup("#baseOutputArea").query().isVisible());
        String withAdapter = generate("My order never arrived", true).generatedText();
        String without = generate("My order never arrived", false).generatedText();
        assertEquals(withAdapter, prompt.outputProperty().get());
        assertEquals(without, prompt.baseOutputProperty().get());
        assertEquals(VisibleText.of(withAdapter), robot.lookup("#outputArea").queryAs(TextArea.class).getText());
        assertEquals(VisibleText.of(without), robot.lookup("#baseOutputArea").queryAs(TextArea.class).getText());
    }

    @Test
    void stopEndsTheRunAndKeepsWhatWasGenerated(FxRobot robot) {
        robot.interact(() -> {
            prompt.maxNewTokensProperty().set("4096");
            prompt.eosTokenIdsProperty().set("none");
        });
        // Run and Stop in one FX turn, so the test does not depend on how fast the tiny model is.
        robot.interact(() -> {
            robot.lookup("#runButton").queryAs(Button.class).fire();
            robot.lookup("#stopButton").queryAs(Button.class).fire();
        });
        awaitRunEnd();

        assertTrue(prompt.statsProperty().get().endsWith("cancelled"), prompt.statsProperty().get());
        String full = generate(prompt.inputProperty().get(), true).generatedText();
        assertTrue(full.startsWith(prompt.outputProperty().get()), "partial output is a prefix of the full answer");
        assertTrue(robot.lookup("#stopButton").queryAs(Button.class).isDisabled(), "Stop is off once nothing runs");
    }

    @Test
    void aBadSettingIsExplainedAndNothingRuns(FxRobot robot) {
        robot.clickOn("#topPField").press(KeyCode.CONTROL, KeyCode.A).release(KeyCode.A, KeyCode.CONTROL).write("1.5");
        robot.clickOn("#runButton");

        String error = robot.lookup("#promptErrorLabel").queryAs(Label.class).getText();
        assertTrue(error.contains("Top-p must be in (0, 1], got 1.5"), error);
        assertTrue(prompt.history().isEmpty());
        assertFalse(prompt.runningProperty().get());
    }

    @Test
    void aRunFromTheHistoryComesBackWithItsInputAndOutput(FxRobot robot) {
        typeInput(robot, "first question");
        robot.clickOn("#runButton");
        awaitRunEnd();
        String firstOutput = prompt.outputProperty().get();
        typeInput(robot, "second question");
        robot.clickOn("#runButton");
        awaitRunEnd();

        ListView<?> history = robot.lookup("#historyList").queryListView();
        assertEquals(2, history.getItems().size());
        robot.interact(() -> history.getSelectionModel().select(1));
        robot.clickOn("#rerunButton");
        awaitRunEnd();

        assertEquals("first question", prompt.inputProperty().get());
        assertEquals(firstOutput, prompt.outputProperty().get());
        assertEquals(3, history.getItems().size());
    }

    @Test
    void anEmptyEosFieldMeansTheModelsOwnIdsAndNoneMeansNoEos(FxRobot robot) {
        robot.interact(() -> prompt.eosTokenIdsProperty().set(""));
        assertNull(prompt.samplingParams().eosTokenIds(), "empty: the model's generation_config ids");
        robot.interact(() -> prompt.eosTokenIdsProperty().set("none"));
        assertEquals(List.of(), prompt.samplingParams().eosTokenIds());
        robot.interact(() -> prompt.eosTokenIdsProperty().set("2, 3"));
        assertEquals(List.of(2, 3), prompt.samplingParams().eosTokenIds());

        // A run with the model's ids comes back from the history with the field as it was typed.
        robot.interact(() -> prompt.eosTokenIdsProperty().set(""));
        typeInput(robot, "eos question");
        robot.clickOn("#runButton");
        awaitRunEnd();
        robot.interact(() -> prompt.eosTokenIdsProperty().set("none"));
        ListView<?> history = robot.lookup("#historyList").queryListView();
        robot.interact(() -> history.getSelectionModel().select(0));
        robot.clickOn("#rerunButton");
        awaitRunEnd();
        assertEquals("", prompt.eosTokenIdsProperty().get());
    }

    private void typeInput(FxRobot robot, String text) {
        robot.clickOn("#inputArea").press(KeyCode.CONTROL, KeyCode.A).release(KeyCode.A, KeyCode.CONTROL).write(text);
        assertEquals(text, prompt.inputProperty().get());
    }

    private void awaitRunEnd() {
        TestWindows.waitUntil(() -> !prompt.runningProperty().get());
    }

    private GenerationResult generate(String input, boolean useAdapter) {
        return TestWindows.engine().generate(new GenerationRequest(sample.name(), input, prompt.template(),
                prompt.samplingParams(), useAdapter), TokenListener.NONE);
    }
}
