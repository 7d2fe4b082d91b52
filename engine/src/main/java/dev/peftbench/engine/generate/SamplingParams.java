package dev.peftbench.engine.generate;

import dev.peftbench.engine.EngineException;

import java.util.List;

/**
 * Generation settings of one request, validated on construction. {@code temperature == 0} means greedy
 * (argmax), as transformers' {@code do_sample=False}. Semantics follow transformers' logits processors:
 * repetition penalty (CTRL paper), then temperature, top-k, top-p.
 *
 * @param maxNewTokens      tokens to generate at most (eos included)
 * @param eosTokenIds       ids that end the sequence (kept in the output ids, as HF does); null = the model's own
 *                          (its generation_config.json; BLOOM: the reference scenario's 3), empty = none
 * @param temperature       0 = greedy; otherwise the softmax temperature
 * @param topK              0 = off
 * @param topP              1.0 = off
 * @param repetitionPenalty 1.0 = off
 * @param seed              null = a fresh random seed per request
 * @param stop              stop strings: generation ends once the generated text contains one; at most
 *                          {@link #MAX_STOP_STRINGS} of at most {@link #MAX_STOP_LENGTH} characters
 */
public record SamplingParams(int maxNewTokens, List<Integer> eosTokenIds, double temperature, int topK,
                             double topP, double repetitionPenalty, Long seed, List<String> stop) {

    public static final int MAX_NEW_TOKENS_LIMIT = 4096;
    /**
     * Stop strings a request may name: OpenAI takes 4 and TGI's {@code --max-stop-sequences} defaults to
     * 4; a few more for clients written against vLLM, which sets no bound. Each token is checked against
     * every one ({@link StopCondition}).
     */
    public static final int MAX_STOP_STRINGS = 16;
    /** Characters in one stop string: a stop sequence is a delimiter, not a passage. */
    public static final int MAX_STOP_LENGTH = 256;

    /** The reference scenario: greedy, 10 new tokens, the model's eos ids. */
    public static final SamplingParams DEFAULT =
            new SamplingParams(10, null, 0.0, 0, 1.0, 1.0, null, List.of());

    public SamplingParams {
        if (maxNewTokens < 1 || maxNewTokens > MAX_NEW_TOKENS_LIMIT) {
            throw EngineException.invalid("max_new_tokens must be between 1 and " + MAX_NEW_TOKENS_LIMIT + ", got " + maxNewTokens);
        }
        if (eosTokenIds != null) {
            eosTokenIds = List.copyOf(eosTokenIds);
            for (int id : eosTokenIds) {
                if (id < 0) {
                    throw EngineException.invalid("eos token ids must be >= 0, got " + id);
                }
            }
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw EngineException.invalid("temperature must be >= 0 (0 = greedy), got " + temperature);
        }
        if (topK < 0) {
            throw EngineException.invalid("top_k must be >= 0 (0 = off), got " + topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw EngineException.invalid("top_p must be in (0, 1], got " + topP);
        }
        if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
            throw EngineException.invalid("repetition_penalty must be > 0 (1 = off), got " + repetitionPenalty);
        }
        stop = stop == null ? List.of() : List.copyOf(stop);
        if (stop.size() > MAX_STOP_STRINGS) {
            throw EngineException.invalid("at most " + MAX_STOP_STRINGS + " stop strings are taken, got " + stop.size());
        }
        for (String s : stop) {
            if (s.isEmpty()) {
                throw EngineException.invalid("stop strings must not be empty");
            }
            if (s.length() > MAX_STOP_LENGTH) {
                throw EngineException.invalid("a stop string may hold at most " + MAX_STOP_LENGTH + " characters, got one of "
                        + s.length());
            }
        }
    }

    public boolean greedy() {
        return temperature == 0.0;
    }

    public SamplingParams withMaxNewTokens(int n) {
        return new SamplingParams(n, eosTokenIds, temperature, topK, topP, repetitionPenalty, seed, stop);
    }

    public SamplingParams withEosTokenIds(List<Integer> ids) {
        return new SamplingParams(maxNewTokens, ids, temperature, topK, topP, repetitionPenalty, seed, stop);
    }

    public SamplingParams withTemperature(double t) {
        return new SamplingParams(maxNewTokens, eosTokenIds, t, topK, topP, repetitionPenalty, seed, stop);
    }

    public SamplingParams withTopK(int k) {
        return new SamplingParams(maxNewTokens, eosTokenIds, temperature, k, topP, repetitionPenalty, seed, stop);
    }

    public SamplingParams withTopP(double p) {
        return new SamplingParams(maxNewTokens, eosTokenIds, temperature, topK, p, repetitionPenalty, seed, stop);
    }

    public SamplingParams withRepetitionPenalty(double r) {
        return new SamplingParams(maxNewTokens, eosTokenIds, temperature, topK, topP, r, seed, stop);
    }

    public SamplingParams withSeed(Long s) {
        return new SamplingParams(maxNewTokens, eosTokenIds, temperature, topK, topP, repetitionPenalty, s, stop);
    }

    public SamplingParams withStop(List<String> strings) {
        return new SamplingParams(maxNewTokens, eosTokenIds, temperature, topK, topP, repetitionPenalty, seed, strings);
    }
}
