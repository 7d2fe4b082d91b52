package dev.peftbench.engine.eval;

import dev.peftbench.engine.Engine;
import dev.peftbench.engine.EngineOptions;
import dev.peftbench.engine.Golden;
import dev.peftbench.engine.LoadProgress;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.engine.generate.PromptTemplate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** An evaluation run as the workbench drives it: rows heard in order off the scheduler's thread, progress, cancel. */
class EvalRunTest {

    private static final LabelSet LABELS = new LabelSet(List.of("complaint", "no complaint"));
    private static Engine engine;

    @BeforeAll
    static void start() {
        engine = new Engine(new EngineOptions(16, 4, 2));
        engine.load("pt", ModelSpec.of(Golden.FIXTURES.resolve("tiny-bloom").toString(),
                Golden.FIXTURES.resolve("tiny-bloom-prompt-tuning").toString(), PromptTemplate.parse("seed", "Tweet text")),
                LoadProgress.NONE);
    }

    @AfterAll
    static void stop() {
        engine.close();
    }

    private static List<EvalRow> rows(int n) {
        List<EvalRow> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(new EvalRow(i, i == 2 ? null : "Parcel " + i + " never came and nobody answers", i % 2 == 0 ? "complaint" : "no complaint"));
        }
        return rows;
    }

    @Test
    void everyRowIsHeardInOrderOffTheSchedulersThreadWithItsProgress() {
        for (EvalMode mode : EvalMode.values()) {
            List<Integer> heard = Collections.synchronizedList(new ArrayList<>());
            List<String> threads = Collections.synchronizedList(new ArrayList<>());
            EvalRun run = EvalRun.start(engine, new EvalRequest("pt", true, rows(10), LABELS, null, null, false, mode, 3),
                    (row, progress) -> {
                        heard.add(row.row());
                        threads.add(Thread.currentThread().getName());
                        assertEquals(heard.size(), progress.done());
                        assertEquals(10, progress.total());
                    });

            EvalReport report = run.await();

            assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7, 8, 9), heard, mode.label());
            assertTrue(threads.stream().noneMatch(t -> t.startsWith("peftbench-scheduler")), threads.toString());
            assertEquals("the row has no text", report.rows().get(2).skipped());
            assertEquals(9, report.metrics().rows());
            assertFalse(report.cancelled());
            assertEquals(Golden.FIXTURES.resolve("tiny-bloom-prompt-tuning").toString(), report.adapter());
            assertEquals(mode == EvalMode.SCORE, report.rows().getFirst().scored());
        }
    }

    @Test
    void aCancelledRunReportsTheRowsDoneUntilThen() {
        for (EvalMode mode : EvalMode.values()) {
            // the first row may come before start returns: the listener waits for the run (on the run's thread)
            CompletableFuture<EvalRun> run = new CompletableFuture<>();
            run.complete(EvalRun.start(engine, new EvalRequest("pt", true, rows(400), LABELS, null, null, false, mode, 3),
                    (row, progress) -> run.join().cancel()));

            EvalReport report = run.join().await();

            assertTrue(report.cancelled(), mode.label());
            assertTrue(report.rows().size() >= 1 && report.rows().size() < 400, mode + ": " + report.rows().size());
            assertEquals(400, report.total());
        }
    }
}
