package dev.peftbench.engine;

/**
 * One candidate token at a position and its log-probability there.
 *
 * @param id      the token id
 * @param token   its text decoded alone, special tokens by name; a token holding only part of a character decodes to
 *                U+FFFD, as vLLM shows it
 * @param logprob log-softmax of the model's raw logits at this position (before any sampling setting)
 */
public record TokenLogprob(int id, String token, double logprob) {
}
