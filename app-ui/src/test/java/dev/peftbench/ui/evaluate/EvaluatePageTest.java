package dev.peftbench.ui.evaluate;

import dev.peftbench.engine.Engine;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.engine.ServedModel;
import dev.peftbench.engine.eval.EvalMode;
import dev.peftbench.engine.eval.EvalReport;
import dev.peftbench.engine.eval.EvalRequest;
import dev.peftbench.engine.eval.EvalRow;
import dev.peftbench.engine.eval.EvalRun;
import dev.peftbench.engine.eval.LabelSet;
import dev.peftbench.engine.eval.PredictionsCsv;
import dev.peftbench.engine.eval.RowOutcome;
import dev.peftbench.engine.generate.PromptTemplate;
import dev.peftbench.engine.train.DataFile;
import dev.peftbench.ui.ShellController;
import dev.peftbench.ui.TestWindows;
import dev.peftbench.ui.WorkbenchWindow;
import javafx.scene.Node;
import javafx.scene.control.CheckBox;
import javafx.scene.control.Label;
import javafx.scene.control.TabPane;
import javafx.scene.control.TableView;
import javafx.scene.control.TextArea;
import javafx.scene.input.KeyCode;
import javafx.scene.input.MouseButton;
import javafx.stage.Stage;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testfx.api.FxRobot;
import org.testfx.framework.junit5.ApplicationExtension;
import org.testfx.framework.junit5.Start;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

@ExtendWith(ApplicationExtension.class)
class EvaluatePageTest {
    private static final Path DATA = TestWindows.sampleModels().getParent().resolve("tweet-complaints.csv");
    private static final PromptTemplate SEED = PromptTemplate.parse("seed", "Tweet text");
    private static ServedModel sample;
    private static List<EvalReport> expected;
    private WorkbenchWindow window;
    private EvaluateViewModel evaluate;

    @BeforeAll
    static void loadSampleAndEvaluateItDirectly() {
        Engine engine = TestWindows.engine();
        sample = engine.load("evaluate-page-sample", ModelSpec.of(TestWindows.sampleModels().resolve("tiny-bloom").toString(),
                TestWindows.sampleModels().resolve("tiny-bloom-prompt-tuning").toString(), null), (f, m) -> { });
        // What ./peftbench eval --adapter SAMPLE --adapter none computes for the bundled data: the page must show this.
        List<EvalRow> rows = EvalRow.of(DataFile.read(DATA), "Tweet text", "text_label", 0);
        LabelSet labels = LabelSet.ofRows(rows);
        expected = new ArrayList<>();
        for (boolean adapter : new boolean[]{true, false}) {
            expected.add(EvalRun.start(engine, new EvalRequest(sample.name(), adapter, rows, labels, SEED, null, false,
                    EvalMode.SCORE, EvalRequest.DEFAULT_MAX_NEW_TOKENS), null).await());
        }
    }

    @Start
    void start(Stage stage) {
        window = TestWindows.open(stage);
        window.workbench().loadedModelProperty().set(sample);
        window.shell().show(ShellController.Page.EVALUATE);
        evaluate = window.evaluate();
    }

    @Test
    void theMetricsShownAreThoseTheEnginesEvaluatorComputesForTheSameRequest(FxRobot robot) {
        chooseData(robot, DATA);
        assertEquals(String.join("\n", expected.getFirst().labels().labels()), robot.lookup("#labelsArea").queryAs(TextArea.class).getText(),
                "the label set defaults to the label column's distinct values");
        assertEquals(List.of(new EvalTarget(sample.spec().adapter()), EvalTarget.BASE), List.copyOf(evaluate.targets()),
                "the loaded adapter and the base model are compared by default");
        runAndWait(robot);

        List<EvalReport> shown = List.copyOf(evaluate.reports());
        assertEquals(2, shown.size());
        for (int i = 0; i < 2; i++) {
            EvalReport want = expected.get(i);
            EvalReport got = shown.get(i);
            assertEquals(want.adapter(), got.adapter());
            assertEquals(want.metrics().accuracy(), got.metrics().accuracy());
            assertEquals(want.metrics().macroF1(), got.metrics().macroF1());
            // float32 scores: how rows share a batch moves the last bits (the base model, -113 a row, most)
            assertEquals(want.metrics().meanTrueLabelLogProbability(), got.metrics().meanTrueLabelLogProbability(), 1e-4);
            assertEquals(want.metrics().ece(), got.metrics().ece(), 1e-4);
            assertArrayEquals(want.metrics().confusion(), got.metrics().confusion());
        }
        assertFalse(robot.lookup("#partialLabel").query().isVisible(), "a complete run is not partial");

        // The metrics table: one column per adapter, the figures as eval prints them.
        TableView<MetricsTable.Line> table = robot.lookup("#metricsTable").queryTableView();
        assertEquals(3, table.getColumns().size());
        List<MetricsTable.Line> lines = table.getItems();
        for (int i = 0; i < 2; i++) {
            var m = expected.get(i).metrics();
            assertEquals(MetricsTable.figure(m.accuracy()), value(lines, "accuracy", i));
            assertEquals(MetricsTable.figure(m.macroF1()), value(lines, "macro F1", i));
            assertEquals(MetricsTable.figure(m.meanTrueLabelLogProbability()), value(lines, "mean true-label log-prob", i));
            assertEquals(MetricsTable.figure(m.ece()), value(lines, "ECE", i));
            for (var p : m.perLabel()) {
                assertEquals(MetricsTable.figure(p.precision()) + " / " + MetricsTable.figure(p.recall()) + " / "
                        + MetricsTable.figure(p.f1()) + " / " + p.support(), value(lines, p.label() + ": P / R / F1 / support", i));
            }
        }

        // The heat maps: one per adapter, the confusion counts in their cells (rows true, columns predicted).
        List<Node> maps = List.copyOf(robot.lookup("#confusionMaps").queryAs(javafx.scene.layout.FlowPane.class).getChildren());
        assertEquals(2, maps.size());
        for (int i = 0; i < 2; i++) {
            int[][] confusion = expected.get(i).metrics().confusion();
            for (int r = 0; r < confusion.length; r++) {
                for (int c = 0; c < confusion[r].length; c++) {
                    assertEquals(Integer.toString(confusion[r][c]), ((Label) maps.get(i).lookup("#cell-" + r + "-" + c)).getText());
                }
            }
        }

        // The reliability diagram: the diagonal and each adapter's non-empty bins (confidence, accuracy).
        var chart = robot.lookup("#reliabilityChart").queryAs(javafx.scene.chart.LineChart.class);
        assertEquals(3, chart.getData().size());
        for (int i = 0; i < 2; i++) {
            var bins = expected.get(i).metrics().calibration().stream().filter(b -> b.rows() > 0).toList();
            var points = ((javafx.scene.chart.XYChart.Series<?, ?>) chart.getData().get(i + 1)).getData();
            assertEquals(bins.size(), points.size());
            for (int b = 0; b < bins.size(); b++) {
                assertEquals(bins.get(b).confidence(), ((Number) points.get(b).getXValue()).doubleValue(), 1e-4);
                assertEquals(bins.get(b).accuracy(), ((Number) points.get(b).getYValue()).doubleValue(), 1e-4);
            }
        }
    }

    @Test
    void onlyMisclassifiedShowsTheRowsWhosePredictionIsNotTheirLabel(FxRobot robot) {
        chooseData(robot, DATA);
        runAndWait(robot);
        showRowsTab(robot);
        TableView<RowOutcome> rows = robot.lookup("#rowsTable").queryTableView();
        EvalReport adapter = expected.getFirst();
        assertEquals(adapter.rows().size(), rows.getItems().size());

        robot.clickOn("#misclassifiedOnly");
        assertTrue(robot.lookup("#misclassifiedOnly").queryAs(CheckBox.class).isSelected());
        List<Integer> wrong = adapter.rows().stream().filter(r -> r.evaluated() && !r.correct()).map(RowOutcome::row).toList();
        int[][] c = adapter.metrics().confusion();
        assertEquals(c[0][1] + c[1][0], wrong.size(), "the misclassified rows are the confusion matrix's off-diagonal");
        assertFalse(wrong.isEmpty());
        assertEquals(wrong, rows.getItems().stream().map(RowOutcome::row).toList());

        robot.clickOn("#misclassifiedOnly");
        assertEquals(adapter.rows().size(), rows.getItems().size());
    }

    @Test
    void doubleClickingARowPutsItsPromptOnThePromptPage(FxRobot robot) {
        chooseData(robot, DATA);
        runAndWait(robot);
        showRowsTab(robot);
        TableView<RowOutcome> rows = robot.lookup("#rowsTable").queryTableView();
        RowOutcome first = rows.getItems().getFirst();
        robot.doubleClickOn(robot.lookup("#rowsTable .table-row-cell").nth(0).queryAs(Node.class), MouseButton.PRIMARY);

        assertTrue(robot.lookup("#promptRoot").query().isVisible(), "the Prompt page is shown");
        assertEquals(first.text(), window.prompt().inputProperty().get());
        assertEquals(SEED.apply(first.text()), window.prompt().previewProperty().get());
        assertEquals(sample, window.workbench().loadedModelProperty().get(), "the row's adapter is the loaded one: nothing reloads");
    }

    @Test
    void cancelKeepsTheRowsEvaluatedSoFarAndShowsThemAsPartial(FxRobot robot, @TempDir Path dir) throws Exception {
        chooseData(robot, manyRows(dir));
        robot.interact(() -> evaluate.targets().setAll(new EvalTarget(sample.spec().adapter())));
        robot.clickOn("#evaluateButton");
        TestWindows.waitUntil(() -> evaluate.progressProperty().get() > 0);
        robot.clickOn("#cancelEvaluationButton");
        TestWindows.waitUntil(() -> !evaluate.runningProperty().get());

        assertEquals("", evaluate.errorProperty().get());
        assertEquals(1, evaluate.reports().size());
        EvalReport partial = evaluate.reports().getFirst();
        assertTrue(partial.cancelled());
        assertTrue(partial.rows().size() > 0 && partial.rows().size() < partial.total(),
                partial.rows().size() + " of " + partial.total());
        assertTrue(robot.lookup("#partialLabel").query().isVisible());
        assertEquals(partial.rows().size(), robot.lookup("#rowsTable").queryTableView().getItems().size());
        assertTrue(evaluate.statusProperty().get().startsWith("Cancelled"), evaluate.statusProperty().get());
        String rowsLine = value(robot.lookup("#metricsTable").<MetricsTable.Line>queryTableView().getItems(), "rows evaluated / skipped", 0);
        assertTrue(rowsLine.contains("partial: " + partial.rows().size() + " of " + partial.total()), rowsLine);
    }

    @Test
    void closingTheWindowStopsARunningEvaluation(FxRobot robot, @TempDir Path dir) throws Exception {
        chooseData(robot, manyRows(dir));
        robot.clickOn("#evaluateButton");
        TestWindows.waitUntil(() -> evaluate.progressProperty().get() > 0);
        robot.interact(window::close);
        TestWindows.waitUntil(() -> !evaluate.runningProperty().get());

        assertEquals("", evaluate.errorProperty().get());
        assertTrue(evaluate.partialProperty().get());
        assertTrue(evaluate.statusProperty().get().contains("the window closed"), evaluate.statusProperty().get());
        assertTrue(evaluate.reports().size() < 2, "the base model was not evaluated after the close");
    }

    @Test
    void generateModeCountsAnswersOutsideTheLabelsInAnOtherColumn(FxRobot robot) {
        chooseData(robot, DATA);
        robot.interact(() -> {
            evaluate.modeProperty().set(EvalMode.GENERATE);
            evaluate.targets().setAll(EvalTarget.BASE);
        });
        runAndWait(robot);

        List<EvalRow> rows = EvalRow.of(DataFile.read(DATA), "Tweet text", "text_label", 0);
        EvalReport want = EvalRun.start(TestWindows.engine(), new EvalRequest(sample.name(), false, rows, LabelSet.ofRows(rows), SEED,
                null, false, EvalMode.GENERATE, EvalRequest.DEFAULT_MAX_NEW_TOKENS), null).await();
        EvalReport got = evaluate.reports().getFirst();
        assertEquals(want.metrics().columns(), got.metrics().columns());
        assertEquals("(other)", got.metrics().columns().getLast());
        assertArrayEquals(want.metrics().confusion(), got.metrics().confusion());
        assertEquals(want.rows().stream().map(RowOutcome::predicted).toList(), got.rows().stream().map(RowOutcome::predicted).toList());
        Node map = robot.lookup("#confusionMaps").queryAs(javafx.scene.layout.FlowPane.class).getChildren().getFirst();
        int[][] confusion = want.metrics().confusion();
        assertEquals(Integer.toString(confusion[0][2]), ((Label) map.lookup("#cell-0-2")).getText(), "the (other) column's count");
        assertFalse(robot.lookup("#reliabilityChart").query().isVisible(), "no probabilities, no reliability diagram");
        assertEquals("n/a", value(robot.lookup("#metricsTable").<MetricsTable.Line>queryTableView().getItems(), "ECE", 0));
    }

    /**
     * An adapter from disk other than the loaded one is loaded beside it for its run, scores as that adapter loaded on
     * its own does, is unloaded after, and its row opens on the Prompt page with that adapter loaded.
     */
    @Test
    void anotherAdaptersRowsAreItsOwnAndItsRowOpensWithItLoaded(FxRobot robot) {
        ServedModel own = ownLoadedModel(robot, "evaluate-page-other");
        String lora = TestWindows.sampleModels().resolve("tiny-bloom-lora").toString();
        chooseData(robot, DATA);
        robot.interact(() -> evaluate.targets().clear());
        robot.interact(() -> evaluate.addAdapter(lora));
        assertEquals(List.of(new EvalTarget(lora)), List.copyOf(evaluate.targets()));
        runAndWait(robot);

        ServedModel loraAlone = TestWindows.engine().load("evaluate-page-lora", ModelSpec.of(own.spec().baseModel(), lora, null), (f, m) -> { });
        List<EvalRow> rows = EvalRow.of(DataFile.read(DATA), "Tweet text", "text_label", 0);
        EvalReport want = EvalRun.start(TestWindows.engine(), new EvalRequest(loraAlone.name(), true, rows, LabelSet.ofRows(rows), SEED,
                null, false, EvalMode.SCORE, EvalRequest.DEFAULT_MAX_NEW_TOKENS), null).await();
        TestWindows.engine().unload(loraAlone.name());
        EvalReport got = evaluate.reports().getFirst();
        assertEquals(lora, got.adapter());
        assertArrayEquals(want.metrics().confusion(), got.metrics().confusion());
        assertEquals(want.metrics().meanTrueLabelLogProbability(), got.metrics().meanTrueLabelLogProbability(), 1e-4);
        assertTrue(TestWindows.engine().models().stream().noneMatch(m -> m.name().matches("evaluate-\\d+")),
                "the adapter loaded for the run is unloaded after it: " + TestWindows.engine().models());

        showRowsTab(robot);
        robot.clickOn(robot.lookup("#rowsTable .table-row-cell").nth(2).queryAs(Node.class));
        robot.clickOn("#openInPromptButton");
        TestWindows.waitUntil(() -> !window.model().loadingProperty().get()
                && window.workbench().loadedModelProperty().get() != own);
        assertEquals(lora, window.workbench().loadedModelProperty().get().spec().adapter());
        assertTrue(robot.lookup("#promptRoot").query().isVisible());
        assertEquals(got.rows().get(2).text(), window.prompt().inputProperty().get());
        TestWindows.engine().unload(window.workbench().loadedModelProperty().get().name());
    }

    @Test
    void loadingAnotherModelCancelsARunningEvaluation(FxRobot robot, @TempDir Path dir) throws Exception {
        ServedModel own = ownLoadedModel(robot, "evaluate-page-switched");
        chooseData(robot, manyRows(dir));
        robot.clickOn("#evaluateButton");
        TestWindows.waitUntil(() -> evaluate.progressProperty().get() > 0);
        robot.interact(() -> {
            window.model().baseModelProperty().set(own.spec().baseModel());
            window.model().adapterProperty().set(TestWindows.sampleModels().resolve("tiny-bloom-lora").toString());
            window.model().load();
        });
        TestWindows.waitUntil(() -> !evaluate.runningProperty().get() && !window.model().loadingProperty().get());

        assertEquals("", evaluate.errorProperty().get(), "stopped before the model it used went");
        assertTrue(evaluate.partialProperty().get());
        assertTrue(evaluate.statusProperty().get().contains("another model is loading"), evaluate.statusProperty().get());
        assertTrue(evaluate.reports().getFirst().cancelled());
        TestWindows.engine().unload(window.workbench().loadedModelProperty().get().name());
    }

    /** A model of this test's own as the loaded one, for tests that load another (the Model page unloads the one before). */
    private ServedModel ownLoadedModel(FxRobot robot, String name) {
        ServedModel own = TestWindows.engine().load(name, sample.spec(), (f, m) -> { });
        robot.interact(() -> window.workbench().loadedModelProperty().set(own));
        return own;
    }

    @Test
    void eachBadInputIsExplainedAndNothingRuns(FxRobot robot, @TempDir Path dir) throws Exception {
        robot.interact(() -> evaluate.dataFileProperty().set(""));
        assertRefused(robot, "Choose a data file");

        robot.interact(() -> evaluate.dataFileProperty().set(dir.resolve("missing.csv").toString()));
        assertRefused(robot, "Cannot read the data file");

        chooseData(robot, DATA);
        robot.interact(() -> evaluate.textColumnProperty().set("Tweet"));
        assertRefused(robot, "The data file has no text column 'Tweet'; its columns are [Tweet text, text_label]");
        robot.interact(() -> evaluate.textColumnProperty().set("Tweet text"));

        robot.interact(() -> evaluate.labelsProperty().set("complaint\n\n"));
        assertRefused(robot, "Give at least 2 labels, one per line (got 1)");
        robot.interact(() -> evaluate.labelsProperty().set("complaint\ncomplaint"));
        assertRefused(robot, "the labels name 'complaint' twice");
        robot.interact(() -> evaluate.labelsProperty().set("complaint\nno complaint"));

        List<EvalTarget> targets = List.copyOf(evaluate.targets());
        robot.interact(() -> evaluate.targets().clear());
        assertRefused(robot, "Add at least one adapter to compare");
        robot.interact(() -> evaluate.targets().setAll(targets));

        robot.interact(() -> evaluate.addAdapter(dir.resolve("no-such-adapter").toString()));
        assertTrue(evaluate.errorProperty().get().contains("is no folder and no Hub id"), evaluate.errorProperty().get());
        assertEquals(targets, List.copyOf(evaluate.targets()));

        robot.interact(() -> window.workbench().loadedModelProperty().set(null));
        assertRefused(robot, "No model is loaded: choose one on the Model page and press Load.");

    }

    @Test
    void exportWritesEvalsPredictionsCsvAndAPictureOfTheCharts(FxRobot robot, @TempDir Path dir) throws Exception {
        chooseData(robot, DATA);
        robot.clickOn("#exportButton");
        assertTrue(robot.lookup("#exportButton").query().isDisabled(), "nothing to export before a run");
        runAndWait(robot);
        Path out = dir.resolve("report");
        robot.interact(() -> evaluate.exportFolderProperty().set(out.toString()));
        robot.clickOn("#exportButton");

        assertEquals("", evaluate.errorProperty().get());
        StringWriter csv = new StringWriter();
        PredictionsCsv.write(csv, EvalMode.SCORE, expected.getFirst().labels(), List.copyOf(evaluate.reports()));
        String written = Files.readString(out.resolve("predictions.csv"));
        assertEquals(csv.toString(), written, "the CSV eval --out writes, of the reports shown");
        assertEquals(1 + 2 * expected.getFirst().rows().size(), written.lines().count(), "a header, then each adapter's rows");
        BufferedImage png = ImageIO.read(out.resolve("charts.png").toFile());
        assertNotNull(png, "charts.png is a PNG");
        assertTrue(png.getWidth() > 300 && png.getHeight() > 150, png.getWidth() + "x" + png.getHeight());
        Set<Integer> colours = new HashSet<>();
        for (int x = 0; x < png.getWidth(); x += 3) {
            for (int y = 0; y < png.getHeight(); y += 3) {
                colours.add(png.getRGB(x, y));
            }
        }
        assertTrue(colours.size() > 20, "the picture has content, not one colour: " + colours.size() + " colours");
        assertTrue(robot.lookup("#exportStatusLabel").queryAs(Label.class).getText().contains("charts.png"));

        Path file = Files.writeString(dir.resolve("a-file"), "x");
        robot.interact(() -> evaluate.exportFolderProperty().set(file.toString()));
        robot.clickOn("#exportButton");
        assertTrue(evaluate.errorProperty().get().contains("it is a file"), evaluate.errorProperty().get());
    }

    private void assertRefused(FxRobot robot, String message) {
        robot.clickOn("#evaluateButton");
        String error = robot.lookup("#evalErrorLabel").queryAs(Label.class).getText();
        assertTrue(error.contains(message), error);
        assertFalse(evaluate.runningProperty().get());
        assertTrue(evaluate.reports().isEmpty());
    }

    private static void showRowsTab(FxRobot robot) {
        TabPane tabs = robot.lookup("#resultTabs").queryAs(TabPane.class);
        robot.clickOn(robot.lookup(".tab-pane > .tab-header-area .tab").nth(1).queryAs(Node.class));
        assertEquals("rowsTab", tabs.getSelectionModel().getSelectedItem().getId());
    }

    private static String value(List<MetricsTable.Line> lines, String metric, int adapter) {
        return lines.stream().filter(l -> l.metric().equals(metric)).findFirst().orElseThrow().values().get(adapter);
    }

    private void chooseData(FxRobot robot, Path file) {
        robot.clickOn("#evalDataFileField").press(KeyCode.CONTROL, KeyCode.A).release(KeyCode.A, KeyCode.CONTROL)
                .write(file.toString()).type(KeyCode.ENTER);
        assertEquals("", evaluate.errorProperty().get());
        assertEquals("Tweet text", evaluate.textColumnProperty().get());
        assertEquals("text_label", evaluate.labelColumnProperty().get());
    }

    private void runAndWait(FxRobot robot) {
        robot.clickOn("#evaluateButton");
        TestWindows.waitUntil(() -> !evaluate.runningProperty().get());
        assertEquals("", evaluate.errorProperty().get());
    }

    /** Unique rows enough that a run lasts a while on the tiny model (repeated contexts would be handed over). */
    private static Path manyRows(Path dir) throws Exception {
        StringBuilder csv = new StringBuilder("Tweet text,text_label\n");
        for (int i = 0; i < 4000; i++) {
            csv.append("order ").append(i).append(" arrived ").append(i % 7 == 0 ? "late" : "fine").append(" at gate ")
                    .append(i * 31 % 997).append(',').append(i % 2 == 0 ? "complaint" : "no complaint").append('\n');
        }
        return Files.writeString(dir.resolve("many.csv"), csv);
    }
}
