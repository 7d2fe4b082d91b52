package dev.peftbench.engine.generate;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.FinishReason;
import dev.peftbench.engine.GenerationHandle;
import dev.peftbench.engine.TokenListener;
import dev.peftbench.engine.adapter.LoraAdapter;
import dev.peftbench.engine.arch.CausalLm;
import dev.peftbench.engine.arch.ForwardRow;
import dev.peftbench.engine.arch.Logits;
import dev.peftbench.engine.tensor.Tensor;
import dev.peftbench.engine.tokenize.Tokenizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Continuous batching for one base model (the way vLLM / TGI schedule): a single thread owns the
 * model and its caches; between decode steps it admits waiting sequences first come, first served
 * (their prefill rides in the same forward as the others' decode), steps every active sequence
 * together, and retires finished or cancelled ones at once, freeing their slot. A step prefills at
 * most {@code maxPrefillTokens} prompt positions, first come first served, so a long prompt is fed in
 * chunks (vLLM's chunked prefill) and running sequences get a token between its chunks instead of
 * waiting for the whole prompt; while sequences decode, chunks are sized to keep a step near
 * {@code stepTargetMs} ({@link PrefillBudget}). {@linkplain BatchJob Batch jobs} (label scoring) wait in the same
 * queue and run a slice of that budget per turn, first come first served, beside the decode steps.
 */
public final class Scheduler implements AutoCloseable {

    /** What waits in the queue: a sequence to admit, or a batch job. */
    sealed interface Pending permits Sequence, Job {
    }

    private record Job(BatchJob job) implements Pending {
    }

    private static final Logger LOG = LoggerFactory.getLogger(Scheduler.class);
    /**
     * Prompt positions at most in one prefill chunk of a sequence that reports its prompt's log-probabilities: each
     * position's logits are read ({@code [positions, vocab]} float32 is 1 MB a position for bloomz's vocabulary).
     */
    static final int MAX_PROMPT_LOGITS_POSITIONS = 16;

    private final CausalLm model;
    private final Tokenizer tokenizer;
    private final int maxBatch;
    private final PrefillBudget prefillBudget;
    private final int queueCapacity;
    private final LinkedBlockingQueue<Pending> waiting = new LinkedBlockingQueue<>();
    private final List<Sequence> active = new ArrayList<>();
    private final List<BatchJob> jobs = new ArrayList<>();
    private final Thread thread;
    private final AtomicLong generatedTokens = new AtomicLong();
    private volatile int running;
    private volatile boolean draining;
    private volatile boolean stopped;

    /** @param tokenizer the model's, which decodes every sequence's tokens; the scheduler closes it when it stops */
    public Scheduler(CausalLm model, Tokenizer tokenizer, int maxBatch, int maxPrefillTokens, int stepTargetMs, int queueCapacity,
                     String name) {
        this.model = model;
        this.tokenizer = tokenizer;
        this.maxBatch = maxBatch;
        this.prefillBudget = new PrefillBudget(maxPrefillTokens, stepTargetMs * 1_000_000L);
        this.queueCapacity = queueCapacity;
        this.thread = Thread.ofPlatform().name("peftbench-scheduler-" + name).daemon().start(this::loop);
    }

    /**
     * Queues a sequence; refuses at once when the queue is full or the scheduler is closing.
     *
     * @param prefix prompt-tuning virtual tokens, or null
     * @param lora   LoRA adapter, or null
     * @param scope  the adapter's identity in the prefix cache (one per loaded adapter, another for none): sequences
     *               share cached blocks only within a scope
     */
    public GenerationHandle submit(String prompt, int[] promptIds, SamplingParams params, Tensor prefix, LoraAdapter lora,
                                   long scope, TokenListener listener) {
        return submit(prompt, promptIds, params, prefix, lora, scope, listener, List.of());
    }

    /**
     * As {@link #submit(String, int[], SamplingParams, Tensor, LoraAdapter, long, TokenListener)}, the answer
     * held to one of {@code choices} (each one's ids, none empty; empty = free text) when {@code params} has choices.
     * {@code params}' eos ids must be resolved.
     */
    public GenerationHandle submit(String prompt, int[] promptIds, SamplingParams params, Tensor prefix, LoraAdapter lora,
                                   long scope, TokenListener listener, List<int[]> choices) {
        ChoiceTrie trie = choices.isEmpty() ? null : ChoiceTrie.of(choices, params.eosTokenIds());
        Sequence sequence = new Sequence(prompt, promptIds, params, prefix, lora, scope, tokenizer, listener, trie);
        enqueue(sequence);
        return sequence;
    }

    /** The model's tokenizer: what every caller encodes prompts with and every sequence is decoded with. */
    public Tokenizer tokenizer() {
        return tokenizer;
    }

    /**
     * Queues a batch job (it counts against the queue's capacity as a request does); refuses at once when the queue is
     * full or the scheduler is closing.
     */
    public void submit(BatchJob job) {
        enqueue(new Job(job));
    }

    private void enqueue(Pending pending) {
        if (draining) {
            throw new EngineException(EngineException.Kind.NOT_READY, "the model is being unloaded");
        }
        synchronized (waiting) {
            if (waiting.size() >= queueCapacity) {
                throw new EngineException(EngineException.Kind.QUEUE_FULL, "the request queue is full (" + queueCapacity
                        + " waiting, " + running + " running); try again later");
            }
            waiting.add(pending);
        }
    }

    public int queued() {
        return waiting.size();
    }

    public int running() {
        return running;
    }

    public long generatedTokens() {
        return generatedTokens.get();
    }

    private void loop() {
        while (!stopped) {
            try {
                if (active.isEmpty() && jobs.isEmpty()) {
                    Pending next = waiting.poll(100, TimeUnit.MILLISECONDS);
                    if (next == null) {
                        if (draining) {
                            return;
                        }
                        continue;
                    }
                    accept(next);
                }
                // First come, first served: a sequence waiting for a free slot keeps what queued behind it waiting.
                for (Pending next; (next = waiting.peek()) != null && (next instanceof Job || active.size() < maxBatch); ) {
                    accept(waiting.poll());
                }
                retireCancelled();
                if (!jobs.isEmpty()) {
                    runJobSlice();
                }
                if (!active.isEmpty()) {
                    step();
                }
                running = active.size() + jobs.size();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException | OutOfMemoryError e) {
                LOG.error("generation step failed; failing {} active sequences", active.size(), e);
                for (Sequence s : active) {
                    s.fail(failure(e));
                }
                active.clear();
                running = jobs.size();
            }
        }
    }

    private static EngineException failure(Throwable e) {
        return e instanceof EngineException ee ? ee : new EngineException(EngineException.Kind.INTERNAL, "generation failed: " + e);
    }

    private void accept(Pending next) {
        switch (next) {
            case Sequence s -> admit(s);
            case Job j -> jobs.add(j.job());
        }
    }

    /** A slice of the oldest job, within a step's prefill budget; a job that fails ends alone. */
    private void runJobSlice() {
        BatchJob job = jobs.getFirst();
        try {
            if (job.runSlice(prefillBudget.next(!active.isEmpty()))) {
                jobs.removeFirst();
            }
        } catch (RuntimeException | OutOfMemoryError e) {
            LOG.error("a batch job failed", e);
            jobs.removeFirst();
            job.fail(failure(e));
        }
    }

    private void admit(Sequence s) {
        if (s.isCancelled()) {
            s.complete(FinishReason.CANCELLED);
            return;
        }
        s.admit(model.newCache(s.capacity()));
        active.add(s);
    }

    private void retireCancelled() {
        for (Iterator<Sequence> it = active.iterator(); it.hasNext(); ) {
            Sequence s = it.next();
            if (s.isCancelled()) {
                s.complete(FinishReason.CANCELLED);
                it.remove();
            }
        }
    }

    /**
     * One forward: every prefilled sequence's next token, and prompt chunks of the others within the prefill
     * budget, first come first served; a sequence whose prompt has not ended this step samples nothing.
     */
    private void step() {
        List<ForwardRow> rows = new ArrayList<>(active.size());
        List<Sequence> sampled = new ArrayList<>(active.size());
        boolean decoding = false;
        for (Sequence s : active) {
            decoding |= s.prefilled();
        }
        int budget = prefillBudget.next(decoding);
        int prefilled = 0;
        List<Sequence> readingPrompts = new ArrayList<>();
        List<Integer> readingChunks = new ArrayList<>();
        for (Sequence s : active) {
            if (s.prefilled()) {
                rows.add(s.decodeRow());
            } else if (prefilled < budget) {
                int chunk = Math.min(budget - prefilled, s.prefillRemaining());
                if (s.wantsPromptLogprobs()) {
                    chunk = Math.min(chunk, MAX_PROMPT_LOGITS_POSITIONS);
                    prefilled += chunk;
                    readingPrompts.add(s);
                    readingChunks.add(chunk);
                    continue;
                }
                prefilled += chunk;
                rows.add(s.prefillChunk(chunk));
            } else {
                continue;
            }
            if (rows.getLast().wantsLogits()) {
                sampled.add(s);
            }
        }
        long start = System.nanoTime();
        if (!rows.isEmpty()) {
            Logits logits = model.forward(rows);
            for (int i = 0; i < sampled.size(); i++) {
                Sequence s = sampled.get(i);
                generatedTokens.incrementAndGet();
                if (s.accept(logits, i)) {
                    active.remove(s);
                }
            }
        }
        for (int i = 0; i < readingPrompts.size(); i++) {
            readPromptChunk(readingPrompts.get(i), readingChunks.get(i));
        }
        prefillBudget.record(decoding, prefilled, System.nanoTime() - start);
    }

    /**
     * A prefill chunk of a sequence that reports its prompt's log-probabilities, run as a forward of its own that
     * returns the logits of each of its prompt positions (the prompt's last one also gives the first new token).
     */
    private void readPromptChunk(Sequence s, int positions) {
        int from = s.prefilledPositions();
        ForwardRow row = s.prefillChunk(positions);
        int[] wanted = s.promptLogitPositions(from, from + positions);
        if (wanted.length == 0) {
            model.forward(List.of(row)); // virtual tokens only: no prompt token to read yet
            return;
        }
        Tensor logits = model.logits(List.of(row), wanted);
        float[] values;
        try {
            values = model.ops().toFloats(logits);
        } finally {
            model.ops().recycle(logits);
            model.ops().endStep();
        }
        boolean endsPrompt = s.prefilled();
        if (endsPrompt) {
            generatedTokens.incrementAndGet();
        }
        if (s.acceptPromptLogits(new Logits(values, wanted.length, model.vocabSize()), from, from + positions)) {
            active.remove(s);
        }
    }

    /** Finishes queued and running sequences, then stops (graceful shutdown / unload). */
    @Override
    public void close() {
        draining = true;
        try {
            thread.join(TimeUnit.MINUTES.toMillis(2));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopped = true;
        thread.interrupt();
        tokenizer.close();
    }
}
