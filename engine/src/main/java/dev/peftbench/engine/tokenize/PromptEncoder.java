package dev.peftbench.engine.tokenize;

import dev.peftbench.engine.EngineException;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Tokenizes prompts where a long one cannot starve anybody: a prompt larger than its byte limit is
 * refused before any work, and the rest run on a few platform threads of their own. The tokenizer's
 * native call pins the virtual thread that makes it to its carrier, so made on request threads, a
 * few long prompts would hold every carrier and stall the server's other requests, health included.
 * The caller waits on a future (a virtual thread unmounts meanwhile), and an interrupted caller gives
 * up its place.
 */
public final class PromptEncoder implements AutoCloseable {

    private final ThreadPoolExecutor pool;

    /** @param queueCapacity prompts that may wait for a thread; more are refused (QUEUE_FULL) */
    public PromptEncoder(int queueCapacity) {
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors() / 2);
        this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS,
                new ArrayBlockingQueue<>(Math.max(1, queueCapacity)),
                Thread.ofPlatform().name("peftbench-tokenize-", 0).daemon().factory());
    }

    /**
     * @param addSpecialTokens as {@link Tokenizer#encode(String, boolean)}: false for a rendered chat
     * @throws EngineException TOO_LARGE over {@code maxBytes}, QUEUE_FULL when every thread and queue slot is taken,
     *                         CANCELLED when the caller was interrupted
     */
    public int[] encode(Tokenizer tokenizer, String prompt, boolean addSpecialTokens, long maxBytes) {
        long bytes = utf8Length(prompt);
        if (bytes > maxBytes) {
            throw new EngineException(EngineException.Kind.TOO_LARGE, "the prompt is " + bytes
                    + " bytes, more than this model takes (" + maxBytes + " bytes, its prompt limit in tokens times "
                    + "the most bytes a token may average); shorten it");
        }
        Future<int[]> ids;
        try {
            ids = pool.submit(() -> tokenizer.encode(prompt, addSpecialTokens));
        } catch (RejectedExecutionException e) {
            throw new EngineException(EngineException.Kind.QUEUE_FULL, "too many prompts are waiting to be tokenized; try again later");
        }
        try {
            return ids.get();
        } catch (InterruptedException e) {
            ids.cancel(false);
            Thread.currentThread().interrupt();
            throw new EngineException(EngineException.Kind.CANCELLED, "cancelled while tokenizing the prompt");
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException r) {
                throw r;
            }
            throw new EngineException(EngineException.Kind.INTERNAL, "tokenizing failed: " + e.getCause(), e.getCause());
        }
    }

    /** The UTF-8 size without encoding (a lone surrogate counts as the 3-byte replacement it becomes). */
    static long utf8Length(CharSequence s) {
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
