package dev.peftbench.engine.generate;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.FinishReason;
import dev.peftbench.engine.GenerationHandle;
import dev.peftbench.engine.GenerationResult;
import dev.peftbench.engine.TokenListener;
import dev.peftbench.engine.adapter.LoraAdapter;
import dev.peftbench.engine.arch.ForwardRow;
import dev.peftbench.engine.arch.Logits;
import dev.peftbench.engine.tensor.KvCache;
import dev.peftbench.engine.tensor.Tensor;
import dev.peftbench.engine.tokenize.StreamingDecoder;
import dev.peftbench.engine.tokenize.Tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * One request in flight: its prompt, adapter, sampler and stop rules, the ids generated so far, and
 * its KV cache once admitted. Mutated only by its scheduler thread, except {@link #cancel()}.
 */
final class Sequence implements GenerationHandle {

    final String prompt;
    final int[] promptIds;
    final SamplingParams params;
    final Tensor prefix;
    final LoraAdapter lora;
    private final Tokenizer tokenizer;
    private final TokenListener listener;
    private final Sampler sampler;
    private final StopCondition stop;
    private final StreamingDecoder decoder;
    private final CompletableFuture<GenerationResult> result = new CompletableFuture<>();
    private final List<Integer> generated = new ArrayList<>();
    private final long submittedNanos = System.nanoTime();
    private long admittedNanos;
    private long firstTokenNanos;
    private volatile boolean cancelled;
    /** Input positions (virtual tokens, then prompt ids) already in the cache. */
    private int prefilledPositions;
    KvCache cache;

    Sequence(String prompt, int[] promptIds, SamplingParams params, Tensor prefix, LoraAdapter lora,
             Tokenizer tokenizer, TokenListener listener) {
        this.prompt = prompt;
        this.promptIds = promptIds;
        this.params = params;
        this.prefix = prefix;
        this.lora = lora;
        this.tokenizer = tokenizer;
        this.listener = listener == null ? TokenListener.NONE : listener;
        this.sampler = new Sampler(params);
        this.stop = new StopCondition(params);
        this.decoder = new StreamingDecoder(tokenizer);
    }

    /** Positions the cache needs: virtual tokens + prompt + every token that may be generated. */
    int capacity() {
        return inputPositions() + params.maxNewTokens();
    }

    private int virtualTokens() {
        return prefix == null ? 0 : prefix.rows();
    }

    /** The prompt's positions: virtual tokens, then the prompt ids. */
    private int inputPositions() {
        return virtualTokens() + promptIds.length;
    }

    boolean admitted() {
        return cache != null;
    }

    void admit(KvCache newCache) {
        this.cache = newCache;
        this.admittedNanos = System.nanoTime();
    }

    /** Whether the whole prompt is in the cache (from then on each step feeds the last generated id). */
    boolean prefilled() {
        return prefilledPositions == inputPositions();
    }

    /** Prompt positions still to prefill. */
    int prefillRemaining() {
        return inputPositions() - prefilledPositions;
    }

    /** This step's decode row: the last generated id. */
    ForwardRow decodeRow() {
        return new ForwardRow(cache, new int[] {generated.getLast()}, null, null, lora, true);
    }

    /**
     * This step's prefill row: the next {@code positions} prompt positions (virtual tokens first), with logits only
     * when they end the prompt; counts them as prefilled.
     */
    ForwardRow prefillChunk(int positions) {
        int from = prefilledPositions;
        prefilledPositions += positions;
        return ForwardRow.prefillChunk(cache, promptIds, prefix, lora, from, prefilledPositions);
    }

    /** Samples from this sequence's row of the step's logits; returns true when the sequence is finished. */
    boolean accept(Logits logits, int row) {
        int[] history = history();
        int token = sampler.sample(logits.values(), logits.offset(row), logits.vocab(), history);
        if (generated.isEmpty()) {
            firstTokenNanos = System.nanoTime();
        }
        generated.add(token);
        tokenizer.generated(token);
        String delta = decoder.next(token);
        FinishReason reason = stop.check(generated, this::generatedText);
        if (reason != null) {
            delta += decoder.flush();
        }
        try {
            listener.onToken(token, delta);
        } catch (RuntimeException e) {
            // A failing consumer (e.g. a closed HTTP stream) ends its own sequence, never the batch.
            cancelled = true;
        }
        if (reason != null) {
            complete(reason);
            return true;
        }
        return false;
    }

    private String generatedText() {
        return tokenizer.decode(generated.stream().mapToInt(Integer::intValue).toArray(), true);
    }

    private int[] history() {
        if (params.repetitionPenalty() == 1.0) {
            return null;
        }
        int[] ids = new int[promptIds.length + generated.size()];
        System.arraycopy(promptIds, 0, ids, 0, promptIds.length);
        for (int i = 0; i < generated.size(); i++) {
            ids[promptIds.length + i] = generated.get(i);
        }
        return ids;
    }

    boolean isCancelled() {
        return cancelled;
    }

    void complete(FinishReason reason) {
        int[] all = new int[promptIds.length + generated.size()];
        System.arraycopy(promptIds, 0, all, 0, promptIds.length);
        int[] gen = generated.stream().mapToInt(Integer::intValue).toArray();
        System.arraycopy(gen, 0, all, promptIds.length, gen.length);
        String generatedText = tokenizer.decode(gen, true);
        String text = tokenizer.decode(all, true);
        if (reason == FinishReason.STOP_SEQUENCE) {
            // Cut at the stop string, as TGI and vLLM return it.
            int cut = stop.stopIndex(generatedText);
            if (cut >= 0) {
                String kept = generatedText.substring(0, cut);
                text = text.substring(0, text.length() - generatedText.length()) + kept;
                generatedText = kept;
            }
        }
        long now = System.nanoTime();
        long queued = (admittedNanos == 0 ? now : admittedNanos) - submittedNanos;
        long ttft = firstTokenNanos == 0 ? 0 : firstTokenNanos - submittedNanos;
        result.complete(new GenerationResult(prompt, toList(promptIds), generated, text, generatedText, reason,
                new GenerationResult.Timings(queued, ttft, now - submittedNanos)));
        releaseCache();
    }

    private void releaseCache() {
        if (cache != null) {
            cache.close();
            cache = null;
        }
    }

    void fail(EngineException e) {
        releaseCache();
        result.completeExceptionally(e);
    }

    private static List<Integer> toList(int[] ids) {
        List<Integer> list = new ArrayList<>(ids.length);
        for (int id : ids) {
            list.add(id);
        }
        return list;
    }

    @Override
    public CompletableFuture<GenerationResult> result() {
        return result;
    }

    @Override
    public void cancel() {
        cancelled = true;
    }
}
