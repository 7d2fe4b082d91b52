package dev.peftbench.ui.tune;

import dev.peftbench.engine.GenerationRequest;
import dev.peftbench.engine.GenerationResult;
import dev.peftbench.engine.ServedModel;
import dev.peftbench.engine.TokenListener;
import dev.peftbench.engine.Device;
import dev.peftbench.engine.hub.HubSettings;
import dev.peftbench.engine.train.MethodSettings;
import dev.peftbench.engine.train.OptimizationSettings;
import dev.peftbench.engine.train.Optimizer;
import dev.peftbench.engine.train.Trainer;
import dev.peftbench.engine.train.TuningData;
import dev.peftbench.engine.train.TuningJob;
import dev.peftbench.engine.train.TuningListener;
import dev.peftbench.engine.train.TuningResult;
import dev.peftbench.ui.ShellController;
import dev.peftbench.ui.TestWindows;
import dev.peftbench.ui.WorkbenchWindow;
import javafx.scene.chart.LineChart;
import javafx.scene.control.Label;
import javafx.scene.control.TableView;
import javafx.scene.input.KeyCode;
import javafx.stage.Stage;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Tune page on the real window and the real trainer: the sample data previewed with its columns picked, a run
 * with a live loss chart and the held-out evaluation writing what {@code ./peftbench tune} writes for the same
 * settings, Cancel keeping the steps done, bad input explained on the page, and Compare running base vs tuned on
 * the Prompt page with the new adapter loaded.
 */
@ExtendWith(ApplicationExtension.class)
class TunePageTest {
    private static Path tmp;
    private static Path rows;
    private WorkbenchWindow window;
    private TuneViewModel tune;

    @BeforeAll
    static void sampleRows() throws IOException {
        tmp = Files.createTempDirectory("tune-page");
        List<String> lines = Files.readAllLines(TestWindows.sampleModels().getParent().resolve("tweet-complaints.csv"));
        rows = Files.write(tmp.resolve("tweets.csv"), lines.subList(0, 17));
    }

    @Start
    void start(Stage stage) {
        window = TestWindows.open(stage);
        tune = window.tune();
        window.shell().show(ShellController.Page.TUNE);
    }

    @AfterEach
    void close() {
        window.close();
    }

    private static void replace(FxRobot robot, String query, String text) {
        robot.clickOn(query).press(KeyCode.CONTROL, KeyCode.A).release(KeyCode.A, KeyCode.CONTROL).write(text);
    }

    /** A short run on the 16 sample rows, typed into the page. */
    private void fillShortRun(FxRobot robot, Path out, String epochs) {
        replace(robot, "#dataFileField", rows.toString());
        replace(robot, "#epochsField", epochs);
        replace(robot, "#batchSizeField", "4");
        replace(robot, "#evalSplitField", "0.25");
        replace(robot, "#outField", out.toString());
    }

    private TuningResult awaitResult() {
        TestWindows.waitUntil(() -> !tune.runningProperty().get() && (tune.resultProperty().get() != null
                || !tune.errorProperty().get().isEmpty()));
        assertEquals("", tune.errorProperty().get());
        return tune.resultProperty().get();
    }

    @Test
    void opensWithTheBundledSampleDataPreviewedAndItsColumnsPicked(FxRobot robot) {
        assertTrue(tune.dataFileProperty().get().endsWith("tweet-complaints.csv"), tune.dataFileProperty().get());
        TableView<?> preview = robot.lookup("#previewTable").queryAs(TableView.class);
        assertEquals(TuneViewModel.PREVIEW_ROWS, preview.getItems().size());
        assertEquals(List.of("Tweet text", "text_label"), preview.getColumns().stream().map(c -> c.getText()).toList());
        assertEquals("Tweet text", tune.textColumnProperty().get());
        assertEquals("text_label", tune.labelColumnProperty().get());
        assertTrue(robot.lookup("#dataSummaryLabel").queryAs(Label.class).getText().startsWith("120 rows, CSV"));
        assertTrue(robot.lookup("#promptTuningSettings").query().isVisible());
        robot.interact(() -> tune.methodProperty().set(dev.peftbench.engine.train.TuningMethod.LORA));
        assertTrue(robot.lookup("#loraSettings").query().isVisible());
        assertFalse(robot.lookup("#promptTuningSettings").query().isVisible());
    }

    @Test
    void startTrainsShowsTheLossAndTheEvaluationAndWritesWhatTheTuneCommandsJobWrites(FxRobot robot) throws IOException {
        Path out = tmp.resolve("from-page");
        fillShortRun(robot, out, "2");
        robot.clickOn("#startButton");
        TuningResult result = awaitResult();

        assertEquals(6, result.steps());
        LineChart<?, ?> chart = robot.lookup("#lossChart").queryAs(LineChart.class);
        assertEquals(6, chart.getData().getFirst().getData().size());
        assertEquals(4, robot.lookup("#predictionTable").queryAs(TableView.class).getItems().size());
        assertTrue(robot.lookup("#evaluationLabel").queryAs(Label.class).getText().contains(" of 4 exact ("));

        // What `./peftbench tune --model M --data D --epochs 2 --batch-size 4 --eval-split 0.25 --out O` runs:
        // TuneCommandTest holds the command to this same job.
        Path cliOut = tmp.resolve("from-cli");
        new Trainer(HubSettings.fromEnvironment()).run(new TuningJob(tune.baseModelProperty().get(), null, Device.CPU,
                new TuningData(rows, "Tweet text", "text_label", "seed", 0.25, null, false, null, false),
                new MethodSettings(null, null, null, null, null, null, null, null),
                new OptimizationSettings(2, 4, null, Optimizer.Kind.ADAMW, null, 0, 0, 1, OptimizationSettings.DEFAULT_SEED, true),
                cliOut), TuningListener.NONE, () -> false);
        for (String file : List.of("adapter_model.safetensors", "adapter_config.json")) {
            assertArrayEquals(Files.readAllBytes(cliOut.resolve(file)), Files.readAllBytes(out.resolve(file)), file);
        }
    }

    @Test
    void compareLoadsTheTunedAdapterAndRunsBaseVsTunedOnThePromptPage(FxRobot robot) {
        Path out = tmp.resolve("to-compare");
        fillShortRun(robot, out, "1");
        robot.clickOn("#startButton");
        awaitResult();
        robot.clickOn("#compareTunedButton");
        TestWindows.waitUntil(() -> !window.prompt().history().isEmpty() && !window.prompt().runningProperty().get());
        assertTrue(window.prompt().history().getFirst().compared());

        ServedModel loaded = window.workbench().loadedModelProperty().get();
        assertEquals(out.toAbsolutePath(), loaded.adapter().orElseThrow().dir().toAbsolutePath());
        assertTrue(robot.lookup("#promptRoot").query().isVisible(), "the Prompt page is shown");
        assertEquals(out.toAbsolutePath().toString(), window.publish().adapterProperty().get());
        String input = window.prompt().inputProperty().get();
        assertFalse(input.isBlank());
        GenerationResult tuned = TestWindows.engine().generate(new GenerationRequest(loaded.name(), input, null,
                window.prompt().samplingParams(), true), TokenListener.NONE);
        GenerationResult base = TestWindows.engine().generate(new GenerationRequest(loaded.name(), input, null,
                window.prompt().samplingParams(), false), TokenListener.NONE);
        assertEquals(tuned.generatedText(), window.prompt().outputProperty().get());
        assertEquals(base.generatedText(), window.prompt().baseOutputProperty().get());
    }

    @Test
    void cancelStopsAfterTheCurrentStepAndKeepsTheAdapterSoFar(FxRobot robot) {
        Path out = tmp.resolve("cancelled");
        fillShortRun(robot, out, "500");
        robot.clickOn("#startButton");
        TestWindows.waitUntil(() -> !tune.losses().isEmpty());
        robot.clickOn("#cancelButton");
        TuningResult result = awaitResult();
        assertTrue(result.interrupted());
        assertTrue(result.steps() >= 1 && result.steps() < result.plan().totalSteps());
        assertTrue(Files.isRegularFile(out.resolve("adapter_model.safetensors")));
        assertTrue(tune.statusProperty().get().startsWith("Cancelled after step"), tune.statusProperty().get());
    }

    @Test
    void badInputIsExplainedOnThePageAndNothingRuns(FxRobot robot) throws IOException {
        Path notes = Files.writeString(tmp.resolve("notes.txt"), "hello");
        replace(robot, "#dataFileField", notes.toString());
        Label error = robot.lookup("#tuneErrorLabel").queryAs(Label.class);
        assertTrue(error.getText().contains("is neither CSV (.csv, with a header row) nor JSON Lines"), error.getText());

        replace(robot, "#dataFileField", rows.toString());
        replace(robot, "#epochsField", "many");
        robot.clickOn("#startButton");
        assertTrue(error.getText().contains("Epochs 'many' is not a number"), error.getText());
        assertFalse(tune.runningProperty().get());

        replace(robot, "#epochsField", "1");
        robot.interact(() -> tune.labelColumnProperty().set("no such column"));
        replace(robot, "#outField", tmp.resolve("never").toString());
        robot.clickOn("#startButton");
        TestWindows.waitUntil(() -> !tune.runningProperty().get());
        assertTrue(error.getText().contains("has no column 'no such column'; its columns: 'Tweet text', 'text_label'"),
                error.getText());
        assertFalse(error.getText().contains("Exception"), error.getText());
        assertFalse(Files.exists(tmp.resolve("never")));
    }
}
