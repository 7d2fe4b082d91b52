package dev.peftbench.engine.generate;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.InputField;

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
 * @param logprobs          which log-probabilities to report ({@link Logprobs}); null = none
 * @param choices           empty = free text; else the answer is constrained, token by token, to be exactly one of
 *                          these strings (each tokenized alone, without special tokens, as a label is for tuning)
 */
public record SamplingParams(int maxNewTokens, List<Integer> eosTokenIds, double temperature, int topK,
                             double topP, double repetitionPenalty, Long seed, List<String> stop,
                             Logprobs logprobs, List<String> choices) {

    public static final int MAX_NEW_TOKENS_LIMIT = 4096;
    /**
     * Stop strings a request may name: OpenAI takes 4 and TGI's {@code --max-stop-sequences} defaults to
     * 4; a few more for clients written against vLLM, which sets no bound. Each token is checked against
     * every one ({@link StopCondition}).
     */
    public static final int MAX_STOP_STRINGS = 16;
    /** Characters in one stop string: a stop sequence is a delimiter, not a passage. */
    public static final int MAX_STOP_LENGTH = 256;
    /** Choices one request may give at most: each one is tokenized before generation starts. */
    public static final int MAX_CHOICES = 1024;
    /** Characters one choice may have at most. */
    public static final int MAX_CHOICE_CHARS = 1024;

    /** The reference scenario: greedy, 10 new tokens, the model's eos ids. */
    public static final SamplingParams DEFAULT =
            new SamplingParams(10, null, 0.0, 0, 1.0, 1.0, null, List.of());

    /**
     * Log-probabilities to report, all log-softmax of the model's raw logits (before the repetition penalty,
     * temperature, top-k and top-p; before a choice constraint too), as vLLM and OpenAI return them.
     *
     * @param top    alternatives per position, the most likely first: 0 to {@link #MAX_TOP}
     * @param prompt also each prompt token's log-probability given the tokens before it
     */
    public record Logprobs(int top, boolean prompt) {
        /** OpenAI's bound for chat's {@code top_logprobs}, vLLM's default {@code max_logprobs}. */
        public static final int MAX_TOP = 20;

        public Logprobs {
            if (top < 0 || top > MAX_TOP) {
                throw EngineException.invalid("{0} must be between 0 and " + MAX_TOP + ", got " + top, InputField.LOGPROBS);
            }
        }
    }

    public SamplingParams(int maxNewTokens, List<Integer> eosTokenIds, double temperature, int topK,
                          double topP, double repetitionPenalty, Long seed, List<String> stop) {
        this(maxNewTokens, eosTokenIds, temperature, topK, topP, repetitionPenalty, seed, stop, null, List.of());
    }

    public SamplingParams {
        if (maxNewTokens < 1 || maxNewTokens > MAX_NEW_TOKENS_LIMIT) {
            throw EngineException.invalid("{0} must be between 1 and " + MAX_NEW_TOKENS_LIMIT + ", got " + maxNewTokens,
                    InputField.MAX_NEW_TOKENS);
        }
        if (eosTokenIds != null) {
            eosTokenIds = List.copyOf(eosTokenIds);
            for (int id : eosTokenIds) {
                if (id < 0) {
                    throw EngineException.invalid("{0} must hold token ids >= 0, got " + id, InputField.EOS_TOKEN_ID);
                }
            }
        }
        if (!(temperature >= 0) || Double.isInfinite(temperature)) {
            throw EngineException.invalid("{0} must be >= 0 (0 = greedy), got " + temperature, InputField.TEMPERATURE);
        }
        if (topK < 0) {
            throw EngineException.invalid("{0} must be >= 0 (0 = off), got " + topK, InputField.TOP_K);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw EngineException.invalid("{0} must be in (0, 1], got " + topP, InputField.TOP_P);
        }
        if (!(repetitionPenalty > 0) || Double.isInfinite(repetitionPenalty)) {
            throw EngineException.invalid("{0} must be > 0 (1 = off), got " + repetitionPenalty, InputField.REPETITION_PENALTY);
        }
        stop = stop == null ? List.of() : List.copyOf(stop);
        if (stop.size() > MAX_STOP_STRINGS) {
            throw EngineException.invalid("{0} takes at most " + MAX_STOP_STRINGS + " strings, got " + stop.size(), InputField.STOP);
        }
        for (String s : stop) {
            if (s.isEmpty()) {
                throw EngineException.invalid("{0} strings must not be empty", InputField.STOP);
            }
            if (s.length() > MAX_STOP_LENGTH) {
                throw EngineException.invalid("a string of {0} may hold at most " + MAX_STOP_LENGTH + " characters, got one of "
                        + s.length(), InputField.STOP);
            }
        }
        choices = choices == null ? List.of() : List.copyOf(choices);
        if (choices.size() > MAX_CHOICES) {
            throw EngineException.invalid("{0} holds " + choices.size() + " choices, more than " + MAX_CHOICES, InputField.CHOICES);
        }
        for (String c : choices) {
            if (c.isEmpty() || c.length() > MAX_CHOICE_CHARS) {
                throw EngineException.invalid("{0} must hold strings of 1 to " + MAX_CHOICE_CHARS + " characters, got one of "
                        + c.length(), InputField.CHOICES);
            }
        }
    }

    /** Whether the answer must be one of {@link #choices}. */
    public boolean constrained() {
        return !choices.isEmpty();
    }

    public boolean greedy() {
        return temperature == 0.0;
    }

    public SamplingParams withMaxNewTokens(int n) {
        return new SamplingParams(n, eosTokenIds, temperature, topK, topP, repetitionPenalty, seed, stop, logprobs, choices);
    }

    public SamplingParams withEosTokenIds(List<Integer> ids) {
        return new SamplingParams(maxNewTokens, ids, temperature, topK, topP, repetitionPenalty, seed, stop, logprobs, choices);
    }

    public SamplingParams withTemperature(double t) {
        return new SamplingParams(maxNewTokens, eosTokenIds, t, topK, topP, repetitionPenalty, seed, stop, logprobs, choices);
    }

    public SamplingParams withTopK(int k) {
        return new SamplingParams(maxNewTokens, eosTokenIds, temperature, k, topP, repetitionPenalty, seed, stop, logprobs, choices);
    }

    public SamplingParams withTopP(double p) {
        return new SamplingParams(maxNewTokens, eosTokenIds, temperature, topK, p, repetitionPenalty, seed, stop, logprobs, choices);
    }

    public SamplingParams withRepetitionPenalty(double r) {
        return new SamplingParams(maxNewTokens, eosTokenIds, temperature, topK, topP, r, seed, stop, logprobs, choices);
    }

    public SamplingParams withSeed(Long s) {
        return new SamplingParams(maxNewTokens, eosTokenIds, temperature, topK, topP, repetitionPenalty, s, stop, logprobs, choices);
    }

    public SamplingParams withStop(List<String> strings) {
        return new SamplingParams(maxNewTokens, eosTokenIds, temperature, topK, topP, repetitionPenalty, seed, strings, logprobs, choices);
    }

    public SamplingParams withLogprobs(Logprobs l) {
        return new SamplingParams(maxNewTokens, eosTokenIds, temperature, topK, topP, repetitionPenalty, seed, stop, l, choices);
    }

    public SamplingParams withChoices(List<String> c) {
        return new SamplingParams(maxNewTokens, eosTokenIds, temperature, topK, topP, repetitionPenalty, seed, stop, logprobs, c);
    }
}
