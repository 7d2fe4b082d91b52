package dev.peftbench.engine.score;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.adapter.LoraAdapter;
import dev.peftbench.engine.arch.CausalLm;
import dev.peftbench.engine.generate.BatchJob;
import dev.peftbench.engine.tensor.Tensor;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A scoring request on its model's scheduler: rows in order, a slice of them (their contexts within the step's
 * prefill budget, batched) per scheduler turn, each row's scores handed to the listener as they come. A context seen
 * before in the request (a row repeated in the data) is not forwarded again: its scores are a function of its ids, so
 * the first one's are handed over (lm-evaluation-harness groups its requests by context for the same reason). Rows refused
 * before (prompt empty or too long) are reported in their place. Mutated by the scheduler thread only, except
 * {@link #cancel}.
 */
public final class ScoringJob implements BatchJob, ScoringHandle {

    /** Contexts per slice at most: each one's last position's logits are a row of the first forward's. */
    static final int MAX_ROWS_PER_SLICE = LabelScorer.MAX_LOGITS_POSITIONS;

    /** A row to score ({@code skipped} null) or one refused, with its context's ids. */
    public record Row(int index, int[] context, String skipped) {
    }

    private final LabelScorer scorer;
    private final int virtualTokens;
    private final List<Row> rows;
    private final List<String> labels;
    private final List<int[]> targets;
    private final int endTokenId;
    private final ScoreListener listener;
    private final List<RowScore> done = new ArrayList<>();
    /** Each distinct context's scores so far: a row repeated in the data is scored once (its ids decide its scores). */
    private final Map<Context, double[]> scored = new HashMap<>();
    private final CompletableFuture<LabelScores> result = new CompletableFuture<>();
    private int next;
    private volatile boolean cancelled;

    ScoringJob(LabelScorer scorer, int virtualTokens, List<Row> rows, List<String> labels, List<int[]> targets,
               int endTokenId, ScoreListener listener) {
        this.scorer = scorer;
        this.virtualTokens = virtualTokens;
        this.rows = List.copyOf(rows);
        this.labels = List.copyOf(labels);
        this.targets = List.copyOf(targets);
        this.endTokenId = endTokenId;
        this.listener = listener == null ? ScoreListener.NONE : listener;
    }

    /**
     * The job for {@code rows} on {@code model} (run on its scheduler).
     *
     * @param prefix  prompt-tuning virtual tokens, or null
     * @param lora    LoRA adapter, or null
     * @param scope   the adapter's identity in the prefix cache
     * @param targets each label's target ids, in label order
     */
    public static ScoringJob of(CausalLm model, Tensor prefix, LoraAdapter lora, long scope, List<Row> rows,
                                List<String> labels, List<int[]> targets, int endTokenId, ScoreListener listener) {
        return new ScoringJob(new LabelScorer(model, prefix, lora, scope, targets), prefix == null ? 0 : prefix.rows(),
                rows, labels, targets, endTokenId, listener);
    }

    @Override
    public boolean runSlice(int promptPositions) {
        if (cancelled) {
            finish(true);
            return true;
        }
        // This turn's rows in order; only the first of each context not scored before is forwarded.
        List<Row> turn = new ArrayList<>();
        List<Row> slice = new ArrayList<>();
        Map<Context, Integer> inSlice = new HashMap<>();
        int positions = 0;
        while (next < rows.size()) {
            Row row = rows.get(next);
            if (row.skipped() != null) {
                if (!turn.isEmpty()) {
                    break;
                }
                emit(RowScore.skipped(row.index(), row.context().length, row.skipped()));
                next++;
                continue;
            }
            Context context = new Context(row.context());
            if (!scored.containsKey(context) && !inSlice.containsKey(context)) {
                int cost = virtualTokens + row.context().length;
                if (!slice.isEmpty() && (positions + cost > promptPositions || slice.size() == MAX_ROWS_PER_SLICE)) {
                    break;
                }
                inSlice.put(context, slice.size());
                slice.add(row);
                positions += cost;
            }
            turn.add(row);
            next++;
        }
        if (!slice.isEmpty()) {
            double[][] scores = scorer.score(slice.stream().map(Row::context).toList());
            inSlice.forEach((context, i) -> scored.put(context, scores[i]));
        }
        for (Row row : turn) {
            emit(new RowScore(row.index(), row.context().length, scored.get(new Context(row.context())), null));
        }
        if (next == rows.size()) {
            finish(false);
            return true;
        }
        return false;
    }

    /** A context's ids as a map key: rows with the same ids get the same scores, computed once. */
    private record Context(int[] ids) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Context c && Arrays.equals(ids, c.ids);
        }

        @Override
        public int hashCode() {
            return Arrays.hashCode(ids);
        }
    }

    private void emit(RowScore row) {
        done.add(row);
        try {
            listener.onRow(row);
        } catch (RuntimeException e) {
            // A failing consumer (a closed stream) ends its own request, never the scheduler.
            cancelled = true;
        }
    }

    private void finish(boolean wasCancelled) {
        List<List<Integer>> ids = targets.stream().map(t -> Arrays.stream(t).boxed().toList()).toList();
        result.complete(new LabelScores(labels, ids, endTokenId, done, wasCancelled));
    }

    @Override
    public void fail(EngineException failure) {
        result.completeExceptionally(failure);
    }

    @Override
    public CompletableFuture<LabelScores> result() {
        return result;
    }

    @Override
    public void cancel() {
        cancelled = true;
    }
}
