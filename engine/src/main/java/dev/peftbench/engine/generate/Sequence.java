package dev.peftbench.engine.generate;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.FinishReason;
import dev.peftbench.engine.GenerationHandle;
import dev.peftbench.engine.GenerationResult;
import dev.peftbench.engine.TokenListener;
import dev.peftbench.engine.TokenLogprobs;
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
final class Sequence implements GenerationHandle, Scheduler.Pending {

    final String prompt;
    final int[] promptIds;
    final SamplingParams params;
    final Tensor prefix;
    final LoraAdapter lora;
    /** What the sequence's keys and values depend on besides its ids: the adapter ({@link KvCache#reusePrefix}). */
    final long scope;
    private final Tokenizer tokenizer;
    private final TokenListener listener;
    private final Sampler sampler;
    private final StopCondition stop;
    private final StreamingDecoder decoder;
    private final CompletableFuture<GenerationResult> result = new CompletableFuture<>();
    private final List<Integer> generated = new ArrayList<>();
    /** Reads log-probabilities off the logits; null when the request asked for none. */
    private final LogprobReader logprobs;
    private final List<TokenLogprobs> generatedLogprobs = new ArrayList<>();
    private final List<TokenLogprobs> promptLogprobs = new ArrayList<>();
    /** Turns the prompt's ids into the text each adds, for its log-probabilities; null unless they are asked for. */
    private final StreamingDecoder promptDecoder;
    /** Where the answer stands among the request's choices; null for free text. */
    private final ChoiceTrie.Cursor choice;
    /** The row the sampler may change (repetition penalty) while the raw one is read for log-probabilities. */
    private float[] scratch;
    private final long submittedNanos = System.nanoTime();
    private long admittedNanos;
    private long firstTokenNanos;
    private volatile boolean cancelled;
    /** Input positions (virtual tokens, then prompt ids) already in the cache. */
    private int prefilledPositions;
    KvCache cache;

    /** @param choices the request's choices as token paths, or null for free text */
    Sequence(String prompt, int[] promptIds, SamplingParams params, Tensor prefix, LoraAdapter lora, long scope,
             Tokenizer tokenizer, TokenListener listener, ChoiceTrie choices) {
        this.prompt = prompt;
        this.promptIds = promptIds;
        this.params = params;
        this.prefix = prefix;
        this.lora = lora;
        this.scope = scope;
        this.tokenizer = tokenizer;
        this.listener = listener == null ? TokenListener.NONE : listener;
        this.sampler = new Sampler(params);
        this.stop = new StopCondition(params);
        this.decoder = new StreamingDecoder(tokenizer);
        this.logprobs = params.logprobs() == null ? null : new LogprobReader(tokenizer, params.logprobs().top());
        this.promptDecoder = wantsPromptLogprobs() ? new StreamingDecoder(tokenizer) : null;
        this.choice = choices == null ? null : choices.start();
    }

    /** Whether the request asked for its prompt's log-probabilities (its prefill then returns logits at every position). */
    boolean wantsPromptLogprobs() {
        return params.logprobs() != null && params.logprobs().prompt();
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

    /** Takes {@code newCache}, with the positions of the prompt it already holds from the prefix cache. */
    void admit(KvCache newCache) {
        this.cache = newCache;
        // The prompt's log-probabilities need the logits of every position: none may come from the prefix cache.
        this.prefilledPositions = wantsPromptLogprobs() ? 0
                : newCache.reusePrefix(scope, KvCache.inputKeys(virtualTokens(), promptIds));
        this.admittedNanos = System.nanoTime();
    }

    /** Whether the whole prompt is in the cache (from then on each step feeds the last generated id). */
    boolean prefilled() {
        return prefilledPositions == inputPositions();
    }

    /** Input positions already in the cache. */
    int prefilledPositions() {
        return prefilledPositions;
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

    /**
     * The input positions {@code [from, to)} of a prefill chunk whose logits the prompt's log-probabilities need, as
     * indexes into the chunk: every real prompt position (a virtual token's logits predict no prompt token).
     */
    int[] promptLogitPositions(int from, int to) {
        int first = Math.max(from, virtualTokens());
        int[] positions = new int[Math.max(0, to - first)];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = first - from + i;
        }
        return positions;
    }

    /**
     * Reads the logits of a prefill chunk's {@link #promptLogitPositions} (rows of {@code logits}): each prompt
     * position's logits give the next prompt token's log-probability; the prompt's last, the first generated token.
     * Returns true when the sequence is finished.
     */
    boolean acceptPromptLogits(Logits logits, int from, int to) {
        int first = Math.max(from, virtualTokens());
        for (int p = first, row = 0; p < to; p++, row++) {
            int q = p - virtualTokens();
            if (q == 0) {
                promptLogprobs.add(new TokenLogprobs(promptIds[0], tokenizer.tokenText(promptIds[0]),
                        promptText(0), null, List.of()));
            }
            if (q + 1 < promptIds.length) {
                promptLogprobs.add(logprobs.read(logits.values(), logits.offset(row), logits.vocab(), promptIds[q + 1],
                        promptText(q + 1)));
            } else {
                return accept(logits, row);
            }
        }
        return false;
    }

    /** The text prompt token {@code q} adds (the prompt's last one carries whatever is still held back). */
    private String promptText(int q) {
        String text = promptDecoder.next(promptIds[q]);
        return q == promptIds.length - 1 ? text + promptDecoder.flush() : text;
    }

    /** Samples from this sequence's row of the step's logits; returns true when the sequence is finished. */
    boolean accept(Logits logits, int row) {
        int[] history = history();
        float[] values = logits.values();
        int offset = logits.offset(row);
        int vocab = logits.vocab();
        if (logprobs != null && history != null) {
            // The repetition penalty changes the row in place; the log-probabilities are the raw logits'.
            if (scratch == null) {
                scratch = new float[vocab];
            }
            System.arraycopy(values, offset, scratch, 0, vocab);
            values = scratch;
            offset = 0;
        }
        int token = sampler.sample(values, offset, vocab, history, choice == null ? null : choice.allowed());
        if (generated.isEmpty()) {
            firstTokenNanos = System.nanoTime();
        }
        generated.add(token);
        tokenizer.generated(token);
        String delta = decoder.next(token);
        FinishReason reason = stop.check(generated, delta);
        if (reason == null && choice != null) {
            choice.advance(token);
            if (choice.complete() && params.eosTokenIds().isEmpty()) {
                // Nothing can end the answer but its end: it ends with the first choice it completes.
                reason = FinishReason.CHOICE_COMPLETE;
            }
        }
        if (reason != null) {
            delta += decoder.flush();
        }
        TokenLogprobs read = null;
        if (logprobs != null) {
            read = logprobs.read(logits.values(), logits.offset(row), vocab, token, delta);
            generatedLogprobs.add(read);
        }
        try {
            listener.onToken(token, delta, read);
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
        for (int i = 0; i < generated.size(); i++) {
            all[promptIds.length + i] = generated.get(i);
        }
        // The answer as streamed: the deltas add up to decode(generated) (StreamingDecoder), so it is not decoded again.
        // A cancelled sequence's held-back tail is flushed here. The whole text is decoded once, with the prompt: a
        // SentencePiece decode drops the leading space of its first token, so it cannot be put together from parts.
        decoder.flush();
        String generatedText = decoder.text();
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
                new GenerationResult.Timings(queued, ttft, now - submittedNanos), generatedLogprobs, promptLogprobs));
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
