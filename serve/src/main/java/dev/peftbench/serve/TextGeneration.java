package dev.peftbench.serve;

import dev.peftbench.contract.Setting;
import dev.peftbench.engine.Engine;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.GenerationHandle;
import dev.peftbench.engine.GenerationRequest;
import dev.peftbench.engine.GenerationResult;
import dev.peftbench.engine.InputField;
import dev.peftbench.engine.TokenListener;
import dev.peftbench.engine.chat.Conversation;
import dev.peftbench.engine.generate.SamplingParams;
import dev.peftbench.engine.score.LabelScores;
import dev.peftbench.engine.score.RowScore;
import dev.peftbench.engine.score.ScoreListener;
import dev.peftbench.engine.score.ScoreRequest;
import dev.peftbench.engine.score.ScoringHandle;
import dev.peftbench.serve.metrics.ServeMetrics;
import dev.peftbench.serve.repository.ModelStatus;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What every protocol does with text, for a model its route has looked up once in the repository: check it is ready, apply the request's parameters, submit
 * each input to the engine's shared queue, wait at most the request timeout, and cancel generation
 * when the caller is gone or the time ran out. Every generation is reported to the request listener.
 * Callers block on virtual threads.
 */
public final class TextGeneration {

    private static final long CALLER_CHECK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final Engine engine;
    private final Duration timeout;
    private final int queueCapacity;
    private final ServeMetrics metrics;
    private final InFlight inFlight;
    private final Consumer<ServedRequest> listener;

    /** @param queueCapacity prompts the engine's queue holds: a request with more can never be taken whole */
    public TextGeneration(Engine engine, Duration timeout, int queueCapacity,
                          ServeMetrics metrics, InFlight inFlight, Consumer<ServedRequest> listener) {
        this.engine = engine;
        this.timeout = timeout;
        this.queueCapacity = queueCapacity;
        this.metrics = metrics;
        this.inFlight = inFlight;
        this.listener = listener;
    }

    public Duration timeout() {
        return timeout;
    }

    /**
     * Generates the assistant's turn of one conversation with the model's chat template, cancelling it
     * as soon as {@code callerGone} says the caller went away.
     */
    public GenerationResult generateChat(ModelStatus model, Conversation chat, SamplingFields parameters,
                                         BooleanSupplier callerGone) {
        return run(model, parameters, callerGone,
                List.of(params -> GenerationRequest.chat(model.name(), chat, params, true))).getFirst();
    }

    /**
     * Generates one text per input, in input order, cancelling generation as soon as {@code callerGone}
     * says the caller went away (a gRPC call cancelled by its client, a REST client that hung up).
     */
    public List<GenerationResult> generateAll(ModelStatus model, List<String> inputs,
                                              SamplingFields parameters, BooleanSupplier callerGone) {
        return run(model, parameters, callerGone, inputs.stream()
                .<Function<SamplingParams, GenerationRequest>>map(input -> params -> GenerationRequest.of(model.name(), input, params))
                .toList());
    }

    private List<GenerationResult> run(ModelStatus found, SamplingFields parameters, BooleanSupplier callerGone,
                                       List<Function<SamplingParams, GenerationRequest>> requests) {
        String model = found.name();
        if (requests.size() > queueCapacity) {
            throw new ServeException(Failure.TOO_LARGE, "the request holds " + requests.size() + " prompts, more than the queue "
                    + "can ever hold (" + queueCapacity + ", " + Setting.QUEUE_CAPACITY.label()
                    + "); send at most " + queueCapacity + " per request");
        }
        inFlight.enter();
        try {
            found.requireReady();
            SamplingParams params = SamplingOverrides.apply(SamplingParams.DEFAULT, parameters, () -> endIds(model));
            List<GenerationHandle> handles = new ArrayList<>(requests.size());
            try {
                for (Function<SamplingParams, GenerationRequest> request : requests) {
                    handles.add(submit(request.apply(params), TokenListener.NONE));
                }
                CompletableFuture<?>[] futures = handles.stream().map(GenerationHandle::result)
                        .toArray(CompletableFuture[]::new);
                awaitAll(CompletableFuture.allOf(futures), callerGone);
                List<GenerationResult> results = new ArrayList<>(handles.size());
                for (GenerationHandle h : handles) {
                    results.add(record(model, h.result().join()));
                }
                return results;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                handles.forEach(GenerationHandle::cancel);
                throw new ServeException(Failure.CANCELLED, "the request was cancelled");
            } catch (TimeoutException | ExecutionException | RuntimeException e) {
                handles.forEach(GenerationHandle::cancel);
                throw ServeException.from(e, parameters::refer);
            }
        } finally {
            inFlight.exit();
        }
    }

    /**
     * Scores each input against {@code labels} (issue 26's label log-likelihoods, as {@code eval} computes them) with the
     * model's template and adapter, the labels ending with parameter {@code eos_token_id} where given (else the adapter's
     * training record's id, else the tokenizer's eos token); cancelled as soon as {@code callerGone} says the caller went
     * away, or at the request timeout. An input that cannot be scored (empty or too long a prompt) fails the request,
     * naming it.
     */
    public LabelScores scoreAll(ModelStatus found, List<String> inputs, List<String> labels,
                                SamplingFields parameters, BooleanSupplier callerGone) {
        String model = found.name();
        inFlight.enter();
        long start = System.nanoTime();
        ScoringHandle handle = null;
        try {
            found.requireReady();
            ScoreRequest request = new ScoreRequest(model, inputs, labels, null, endTokenId(parameters), false, true);
            try {
                handle = engine.submitScores(request, ScoreListener.NONE);
            } catch (EngineException e) {
                served(model, start, e.kind().name(), 0);
                throw e;
            }
            awaitAll(handle.result().thenApply(r -> null), callerGone);
            LabelScores scores = handle.result().join();
            for (RowScore row : scores.rows()) {
                if (!row.scored()) {
                    throw ServeException.badRequest("input " + row.row() + " cannot be scored: " + row.skipped());
                }
            }
            served(model, start, "ok (scored)", 0);
            return scores;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancel(handle);
            throw new ServeException(Failure.CANCELLED, "the request was cancelled");
        } catch (TimeoutException | ExecutionException | RuntimeException e) {
            cancel(handle);
            throw ServeException.from(e, parameters::refer);
        } finally {
            inFlight.exit();
        }
    }

    private static void cancel(ScoringHandle handle) {
        if (handle != null) {
            handle.cancel();
        }
    }

    /** The eos token id: one id (a number, or over gRPC a string of one), or null when absent. */
    private static Integer endTokenId(SamplingFields parameters) {
        Object v = parameters.get(InputField.EOS_TOKEN_ID);
        if (v == null) {
            return null;
        }
        String text = v.toString().trim();
        if (!(v instanceof Number || v instanceof String) || !text.matches("\\d{1,9}")) {
            throw ServeException.badRequest(parameters.refer(InputField.EOS_TOKEN_ID)
                    + " must be one token id >= 0 when scoring labels, got " + v);
        }
        return Integer.parseInt(text);
    }

    /**
     * Starts one streamed generation. The caller must eventually call {@link Stream#close()}, which
     * cancels generation if it is still running (client gone).
     */
    public Stream stream(ModelStatus model, String input, SamplingFields parameters, TokenListener tokens) {
        return stream(model, parameters, params -> GenerationRequest.of(model.name(), input, params), tokens);
    }

    /** Starts one streamed chat turn; as {@link #stream(ModelStatus, String, SamplingFields, TokenListener)}. */
    public Stream streamChat(ModelStatus model, Conversation chat, SamplingFields parameters, TokenListener tokens) {
        return stream(model, parameters, params -> GenerationRequest.chat(model.name(), chat, params, true), tokens);
    }

    private Stream stream(ModelStatus found, SamplingFields parameters,
                          Function<SamplingParams, GenerationRequest> request, TokenListener tokens) {
        String model = found.name();
        inFlight.enter();
        try {
            found.requireReady();
            SamplingParams params = SamplingOverrides.apply(SamplingParams.DEFAULT, parameters, () -> endIds(model));
            GenerationHandle handle = submit(request.apply(params), tokens);
            return new Stream(model, handle);
        } catch (RuntimeException e) {
            inFlight.exit();
            throw ServeException.from(e, parameters::refer);
        }
    }

    /** The ids that end {@code model}'s generations when a request names none (its generation_config.json's). */
    private List<Integer> endIds(String model) {
        return engine.find(model).map(m -> m.base().eosTokenIds()).orElse(List.of());
    }

    /** Submits one generation and reports how it ended, or that the engine refused it. */
    private GenerationHandle submit(GenerationRequest request, TokenListener tokens) {
        String model = request.model();
        long start = System.nanoTime();
        GenerationHandle handle;
        try {
            handle = engine.submit(request, tokens);
        } catch (EngineException e) {
            served(model, start, e.kind().name(), 0);
            throw e;
        }
        handle.result().whenComplete((result, error) -> {
            if (result != null) {
                served(model, start, "ok (" + result.finishReason().wireName() + ")", result.generatedTokenIds().size());
            } else {
                Throwable cause = error.getCause() != null ? error.getCause() : error;
                served(model, start, cause instanceof EngineException e ? e.kind().name() : cause.getClass().getSimpleName(), 0);
            }
        });
        return handle;
    }

    private void served(String model, long startNanos, String status, int tokens) {
        listener.accept(new ServedRequest(Instant.now(), model, (System.nanoTime() - startNanos) / 1e6, status, tokens));
    }

    private void awaitAll(CompletableFuture<?> all, BooleanSupplier callerGone)
            throws InterruptedException, ExecutionException, TimeoutException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new TimeoutException();
            }
            try {
                all.get(Math.min(left, CALLER_CHECK_NANOS), TimeUnit.NANOSECONDS);
                return;
            } catch (TimeoutException stillRunning) {
                if (callerGone.getAsBoolean()) {
                    throw new CancellationException("the caller cancelled the request");
                }
            }
        }
    }

    private GenerationResult record(String model, GenerationResult r) {
        metrics.generated(model, r.generatedTokenIds().size(), r.timings().timeToFirstTokenNanos() / 1e9);
        return r;
    }

    /** A running streamed generation. */
    public final class Stream implements AutoCloseable {
        private final String model;
        private final GenerationHandle handle;
        private boolean closed;

        private Stream(String model, GenerationHandle handle) {
            this.model = model;
            this.handle = handle;
        }

        /** Waits for the end (at most the request timeout, which cancels). */
        public GenerationResult await() {
            try {
                return record(model, handle.result().get(timeout.toMillis(), TimeUnit.MILLISECONDS));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                handle.cancel();
                throw new ServeException(Failure.CANCELLED, "the request was cancelled");
            } catch (TimeoutException | ExecutionException e) {
                handle.cancel();
                throw ServeException.from(e);
            }
        }

        public CompletableFuture<GenerationResult> result() {
            return handle.result();
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                if (!handle.result().isDone()) {
                    handle.cancel();
                }
                inFlight.exit();
            }
        }
    }
}
