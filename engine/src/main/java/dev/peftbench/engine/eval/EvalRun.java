package dev.peftbench.engine.eval;

import dev.peftbench.engine.Engine;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.GenerationHandle;
import dev.peftbench.engine.GenerationRequest;
import dev.peftbench.engine.GenerationResult;
import dev.peftbench.engine.ServedModel;
import dev.peftbench.engine.TokenListener;
import dev.peftbench.engine.generate.SamplingParams;
import dev.peftbench.engine.score.LabelScores;
import dev.peftbench.engine.score.RowScore;
import dev.peftbench.engine.score.ScoreRequest;
import dev.peftbench.engine.score.ScoringHandle;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One evaluation of labelled rows with one served model, running on the engine: in score mode one scoring request for
 * every row that can be scored ({@link Engine#submitScores}: each context prefilled once, batched, its labels'
 * continuations in forks of its cache); in generate mode each row's prompt submitted as the server submits it
 * ({@link Engine#submit}, greedy), at most {@value #IN_FLIGHT} at a time so the scheduler's batch stays full without
 * flooding its queue. Rows that cannot be evaluated (no text, an empty label, a label outside the set, a prompt too
 * long) are reported in their place. Each row goes to the listener in order, on the run's own thread; the report
 * follows with the metrics ({@link ClassificationMetrics}). {@link #cancel} stops after the rows under way and
 * reports those done.
 */
public final class EvalRun {

    /** Generate mode: prompts submitted and not yet answered at most (twice the engine's default batch). */
    static final int IN_FLIGHT = 32;
    private static final Object END = new Object();

    private final Engine engine;
    private final EvalRequest request;
    private final EvalListener listener;
    private final String adapter;
    private final List<RowOutcome> done = new ArrayList<>();
    private final CompletableFuture<EvalReport> result = new CompletableFuture<>();
    private final long start = System.nanoTime();
    private volatile int doneCount;
    private volatile boolean cancelled;
    private volatile ScoringHandle scoring;
    private final List<GenerationHandle> generating = new ArrayList<>();

    private EvalRun(Engine engine, EvalRequest request, EvalListener listener, String adapter) {
        this.engine = engine;
        this.request = request;
        this.listener = listener == null ? EvalListener.NONE : listener;
        this.adapter = adapter;
    }

    /**
     * Starts {@code request}; returns at once.
     *
     * @throws EngineException NOT_FOUND (unknown model), INVALID_INPUT (score mode: a label without tokens, an end id
     *                         outside the vocabulary), QUEUE_FULL
     */
    public static EvalRun start(Engine engine, EvalRequest request, EvalListener listener) {
        ServedModel model = engine.find(request.model()).orElseThrow(() -> EngineException.notFound("model '"
                + request.model() + "' is not loaded; loaded models: " + engine.models().stream().map(ServedModel::name).toList()));
        EvalRun run = new EvalRun(engine, request, listener, request.useAdapter() ? model.spec().adapter() : null);
        run.begin();
        return run;
    }

    /** The report once the last row is done, or after {@link #cancel} with the rows done until then. */
    public CompletableFuture<EvalReport> result() {
        return result;
    }

    /** Stops after the rows under way; the report then holds the rows done. */
    public void cancel() {
        cancelled = true;
        ScoringHandle s = scoring;
        if (s != null) {
            s.cancel();
        }
    }

    public EvalProgress progress() {
        return new EvalProgress(doneCount, request.rows().size(), seconds());
    }

    /** Waits for the report; for the CLI and tests. An interrupt cancels the run and returns what was done. */
    public EvalReport await() {
        try {
            return result.get();
        } catch (InterruptedException e) {
            cancel();
            Thread.currentThread().interrupt();
            return result.join();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof EngineException ee) {
                throw ee;
            }
            throw new EngineException(EngineException.Kind.INTERNAL, "evaluation failed: " + e.getCause(), e.getCause());
        }
    }

    private double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    /** Why {@code row} cannot be evaluated before any model work, or null. */
    private String refused(EvalRow row) {
        if (row.text() == null) {
            return "the row has no text";
        }
        if (row.label() == null || row.label().isEmpty()) {
            return "the row's label is empty";
        }
        if (request.labels().indexOf(row.label()) < 0) {
            return "the row's label '" + row.label() + "' is not in the label set " + request.labels().labels();
        }
        return null;
    }

    private void begin() {
        if (request.mode() == EvalMode.SCORE) {
            List<Integer> scorable = new ArrayList<>();
            for (int i = 0; i < request.rows().size(); i++) {
                if (refused(request.rows().get(i)) == null) {
                    scorable.add(i);
                }
            }
            LinkedBlockingQueue<Object> scored = new LinkedBlockingQueue<>();
            if (!scorable.isEmpty()) {
                List<String> texts = scorable.stream().map(i -> request.rows().get(i).text()).toList();
                ScoreRequest scores = new ScoreRequest(request.model(), texts, request.labels().labels(), request.template(),
                        request.endTokenId(), request.promptSpecialTokens(), request.useAdapter());
                scoring = engine.submitScores(scores, scored::add);
                if (cancelled) {
                    scoring.cancel();
                }
                scoring.result().whenComplete((r, e) -> scored.add(END));
            }
            Thread.ofVirtual().name("eval-" + request.model()).start(() -> drive(() -> collectScores(scorable, scored)));
        } else {
            Thread.ofVirtual().name("eval-" + request.model()).start(() -> drive(this::generate));
        }
    }

    private void drive(Runnable body) {
        try {
            body.run();
        } catch (EngineException e) {
            cancel();
            result.completeExceptionally(e);
        } catch (RuntimeException | Error e) {
            // A listener that failed, or our own fault (out of memory, a class gone missing): the run ends, and so does
            // its work on the engine; whoever waits for the report hears why instead of waiting forever.
            cancel();
            result.completeExceptionally(new EngineException(EngineException.Kind.INTERNAL, "evaluation failed: " + e, e));
        }
    }

    /** Score mode, on the run's thread: each row's scores as the scheduler hands them over, rows refused in between. */
    private void collectScores(List<Integer> scorable, LinkedBlockingQueue<Object> scored) {
        Integer endTokenId = null;
        boolean wasCancelled = false;
        int next = 0;
        if (!scorable.isEmpty()) {
            while (true) {
                Object item;
                try {
                    item = scored.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new EngineException(EngineException.Kind.CANCELLED, "interrupted while evaluating");
                }
                if (item == END) {
                    break;
                }
                RowScore score = (RowScore) item;
                int at = scorable.get(score.row());
                next = emitRefused(next, at);
                EvalRow row = request.rows().get(at);
                emit(score.scored()
                        ? new RowOutcome(row.index(), row.text(), row.label(), request.labels().labels().get(score.best()),
                        score.logProbabilities(), score.probabilities(), null)
                        : RowOutcome.skipped(row, score.skipped()));
                next = at + 1;
            }
            LabelScores scores = scoring.result().join();
            endTokenId = scores.endTokenId();
            wasCancelled = scores.cancelled();
        }
        if (!wasCancelled) {
            next = emitRefused(next, request.rows().size());
        }
        finish(endTokenId, wasCancelled || next < request.rows().size());
    }

    /** Emits the refused rows in {@code [from, to)} (every row there is one) and returns {@code to}. */
    private int emitRefused(int from, int to) {
        for (int i = from; i < to; i++) {
            EvalRow row = request.rows().get(i);
            emit(RowOutcome.skipped(row, refused(row)));
        }
        return to;
    }

    /** A row waiting for its answer (or refused at once), in row order. */
    private record Pending(EvalRow row, GenerationHandle handle, String skipped) {
    }

    /** Generate mode, on the run's thread: a window of prompts in the engine's queue, answers taken in row order. */
    private void generate() {
        SamplingParams params = SamplingParams.DEFAULT.withMaxNewTokens(request.maxNewTokens())
                .withEosTokenIds(request.endTokenId() == null ? null : List.of(request.endTokenId()));
        Deque<Pending> pending = new ArrayDeque<>();
        int inFlight = 0;
        int next = 0;
        try {
            while (!cancelled && (next < request.rows().size() || !pending.isEmpty())) {
                boolean queueFull = false;
                while (!cancelled && next < request.rows().size() && inFlight < IN_FLIGHT && !queueFull) {
                    EvalRow row = request.rows().get(next);
                    String refused = refused(row);
                    if (refused != null) {
                        pending.add(new Pending(row, null, refused));
                        next++;
                        continue;
                    }
                    try {
                        GenerationHandle handle = engine.submit(new GenerationRequest(request.model(), row.text(),
                                request.template(), params, request.useAdapter()), TokenListener.NONE);
                        synchronized (generating) {
                            generating.add(handle);
                        }
                        pending.add(new Pending(row, handle, null));
                        inFlight++;
                        next++;
                    } catch (EngineException e) {
                        switch (e.kind()) {
                            case QUEUE_FULL -> queueFull = true;
                            case INVALID_INPUT, TOO_LARGE -> {
                                pending.add(new Pending(row, null, e.getMessage()));
                                next++;
                            }
                            default -> throw e;
                        }
                    }
                }
                if (pending.isEmpty()) {
                    // The engine's queue is full of other requests: try again shortly.
                    sleep();
                    continue;
                }
                Pending head = pending.peek();
                if (head.handle() == null) {
                    pending.poll();
                    emit(RowOutcome.skipped(head.row(), head.skipped()));
                    continue;
                }
                GenerationResult answer;
                try {
                    answer = head.handle().result().get(50, TimeUnit.MILLISECONDS);
                } catch (TimeoutException stillRunning) {
                    continue;
                } catch (ExecutionException e) {
                    throw e.getCause() instanceof EngineException ee ? ee
                            : new EngineException(EngineException.Kind.INTERNAL, "generation failed: " + e.getCause(), e.getCause());
                }
                pending.poll();
                inFlight--;
                synchronized (generating) {
                    generating.remove(head.handle());
                }
                EvalRow row = head.row();
                emit(new RowOutcome(row.index(), row.text(), row.label(), answer.generatedText().strip(), null, null, null));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancelled = true;
        } finally {
            synchronized (generating) {
                generating.forEach(GenerationHandle::cancel);
                generating.clear();
            }
        }
        finish(null, done.size() < request.rows().size());
    }

    private static void sleep() throws InterruptedException {
        Thread.sleep(20);
    }

    private void emit(RowOutcome row) {
        done.add(row);
        doneCount = done.size();
        listener.onRow(row, progress());
    }

    private void finish(Integer endTokenId, boolean wasCancelled) {
        ClassificationMetrics metrics = ClassificationMetrics.of(request.labels(), request.mode(), done);
        result.complete(new EvalReport(adapter, request.mode(), request.labels(), endTokenId, done, request.rows().size(),
                metrics, wasCancelled, seconds()));
    }
}
