package dev.peftbench.serve.generate;

import dev.peftbench.engine.TokenLogprobs;

/**
 * One generated token on its way to a streaming client.
 *
 * @param delta    the text it adds (empty while a character is incomplete)
 * @param logprobs its log-probabilities, or null when the request asked for none
 */
public record StreamedToken(int id, String delta, TokenLogprobs logprobs) {
}
