package dev.peftbench.engine.generate;

import dev.peftbench.engine.Engine;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.EngineOptions;
import dev.peftbench.engine.FinishReason;
import dev.peftbench.engine.GenerationHandle;
import dev.peftbench.engine.GenerationRequest;
import dev.peftbench.engine.GenerationResult;
import dev.peftbench.engine.Golden;
import dev.peftbench.engine.LoadProgress;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.engine.TokenListener;
import org.junit.jupiter.api.Test;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Continuous batching through the engine: admission, rejection, cancellation, joining mid-batch, memory. */
class SchedulerTest {

    private static final String MODEL = Golden.FIXTURES.resolve("tiny-bloom").toString();
    /** No eos, many tokens: a request that runs until cancelled or its budget ends. */
    private static final SamplingParams LONG = SamplingParams.DEFAULT.withMaxNewTokens(4000).withEosTokenIds(List.of());

    private static Engine engine(int queue, int batch) {
        return engine(new EngineOptions(queue, batch, 2));
    }

    private static Engine engine(EngineOptions options) {
        Engine engine = new Engine(options);
        engine.load("m", ModelSpec.of(MODEL, null, PromptTemplate.parse("seed", null)), LoadProgress.NONE);
        return engine;
    }

    /** Submits a long request and returns once its first token came, i.e. it holds a batch slot. */
    private static GenerationHandle running(Engine engine) throws InterruptedException {
        CountDownLatch started = new CountDownLatch(1);
        GenerationHandle h = engine.submit(GenerationRequest.of("m", "long", LONG), (id, delta) -> started.countDown());
        assertTrue(started.await(30, TimeUnit.SECONDS), "the long request should start");
        return h;
    }

    @Test
    void fullQueueRejectsAtOnceWithQueueFull() throws InterruptedException {
        try (Engine engine = engine(1, 1)) {
            GenerationHandle first = running(engine);
            GenerationHandle second = engine.submit(GenerationRequest.of("m", "waits", SamplingParams.DEFAULT), TokenListener.NONE);
            EngineException e = assertThrows(EngineException.class,
                    () -> engine.submit(GenerationRequest.of("m", "refused", SamplingParams.DEFAULT), TokenListener.NONE));
            assertEquals(EngineException.Kind.QUEUE_FULL, e.kind());
            first.cancel();
            assertEquals(FinishReason.CANCELLED, first.result().join().finishReason());
            assertTrue(second.result().join().generatedTokenIds().size() > 0);
        }
    }

    @Test
    void cancellingARunningSequenceFreesItsSlotForTheNext() throws InterruptedException {
        try (Engine engine = engine(8, 1)) {
            GenerationHandle first = running(engine);
            Golden g = Golden.read("seed-base");
            GenerationHandle waiting = engine.submit(GenerationRequest.of("m", g.rows().getFirst().input(),
                    SamplingParams.DEFAULT.withMaxNewTokens(g.maxNewTokens())), TokenListener.NONE);
            first.cancel();
            GenerationResult cancelled = first.result().join();
            assertEquals(FinishReason.CANCELLED, cancelled.finishReason());
            assertTrue(cancelled.generatedTokenIds().size() < LONG.maxNewTokens());
            assertEquals(g.rows().getFirst().generatedTokenIds(), waiting.result().join().generatedTokenIds());
        }
    }

    @Test
    void sequencesJoiningAndLeavingMidBatchChangeNoOtherRow() throws InterruptedException {
        Golden g = Golden.read("batch-base");
        try (Engine engine = engine(8, 8)) {
            GenerationHandle background = running(engine);
            List<GenerationHandle> joined = g.rows().stream()
                    .map(r -> engine.submit(GenerationRequest.of("m", r.input(), SamplingParams.DEFAULT), TokenListener.NONE))
                    .toList();
            for (int i = 0; i < joined.size(); i++) {
                assertEquals(g.rows().get(i).generatedTokenIds(), joined.get(i).result().join().generatedTokenIds(),
                        "row " + i + " joined a running batch");
            }
            background.cancel();
            background.result().join();
        }
    }

    /**
     * A long prompt is prefilled a budget of positions per step, and a stream already decoding gets a token on each of
     * those steps: between the long prompt's arrival and its first token the stream receives at least one token per
     * chunk, where one whole-prompt prefill would have let it have one.
     */
    @Test
    void aDecodingStreamGetsATokenBetweenChunksOfALongPrompt() throws InterruptedException {
        int budget = 8;
        try (Engine engine = engine(new EngineOptions(8, 4, 2).withMaxPrefillTokens(budget))) {
            AtomicInteger streamed = new AtomicInteger();
            CountDownLatch started = new CountDownLatch(1);
            GenerationHandle stream = engine.submit(GenerationRequest.of("m", "short", LONG), (id, delta) -> {
                streamed.incrementAndGet();
                started.countDown();
            });
            assertTrue(started.await(30, TimeUnit.SECONDS), "the stream should start");
            int before = streamed.get();
            AtomicInteger atFirstToken = new AtomicInteger(-1);
            GenerationResult longPrompt = engine.generate(GenerationRequest.of("m", "the cat sat on the mat ".repeat(12),
                    SamplingParams.DEFAULT.withMaxNewTokens(1)), (id, delta) -> atFirstToken.compareAndSet(-1, streamed.get()));
            int chunks = (longPrompt.promptTokenIds().size() + budget - 1) / budget;
            assertTrue(chunks >= 8, "the prompt should need several chunks, has " + longPrompt.promptTokenIds().size() + " tokens");
            assertTrue(atFirstToken.get() - before >= chunks, "the stream got " + (atFirstToken.get() - before)
                    + " tokens while a prompt of " + chunks + " chunks was prefilled");
            stream.cancel();
            stream.result().join();
        }
    }

    @Test
    void heapStaysFlatOverManyRequests() {
        try (Engine engine = engine(64, 8)) {
            SamplingParams params = SamplingParams.DEFAULT.withMaxNewTokens(32).withEosTokenIds(List.of());
            long afterWarmUp = 0;
            for (int round = 0; round < 300; round++) {
                engine.generate(GenerationRequest.of("m", "round " + round, params), TokenListener.NONE);
                if (round == 49) {
                    afterWarmUp = usedHeapAfterGc();
                }
            }
            long atEnd = usedHeapAfterGc();
            // 250 more requests x 32 tokens: anything retained per token or per request would show up as megabytes.
            assertTrue(atEnd - afterWarmUp < 8L << 20, "heap grew from " + afterWarmUp + " to " + atEnd + " bytes");
        }
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
