package dev.peftbench.engine;

import java.util.List;

/**
 * One position of a sequence, a generated token or a prompt token, with the log-probabilities the model gave there
 * ({@link dev.peftbench.engine.generate.SamplingParams.Logprobs}).
 *
 * @param id      the token at this position
 * @param token   its text decoded alone ({@link TokenLogprob#token})
 * @param text    what it adds to the sequence's text: the deltas of a sequence's positions add up to its decoded text
 *                (special tokens skipped); empty while a character is incomplete, the token completing it carrying it
 * @param logprob log P(id | every position before it), from the raw logits; null for a prompt's first token, which
 *                has no context
 * @param top     the most likely tokens at this position, most likely first (the lower id first on ties), as many
 *                as asked; empty for a prompt's first token
 */
public record TokenLogprobs(int id, String token, String text, Double logprob, List<TokenLogprob> top) {
    public TokenLogprobs {
        top = List.copyOf(top);
    }
}
