package dev.peftbench.serve.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peftbench.engine.TokenLogprob;
import dev.peftbench.engine.TokenLogprobs;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The engine's per-token log-probabilities in OpenAI's two shapes (openai-python's {@code CompletionChoice.Logprobs} and
 * {@code ChatCompletionTokenLogprob}). Token strings are each token decoded alone, as vLLM shows them: a token that is
 * only part of a character reads U+FFFD, and {@code bytes} are the UTF-8 of that string, as vLLM sends them. A
 * log-probability too small for a double is sent as vLLM's floor, -9999.0 (JSON has no -Infinity).
 */
final class OpenAiLogprobs {

    static final double FLOOR = -9999.0;

    private OpenAiLogprobs() {
    }

    static double value(double logprob) {
        return Double.isNaN(logprob) ? FLOOR : Math.max(logprob, FLOOR);
    }

    /**
     * The legacy completions form, {@code tokens}, {@code token_logprobs}, {@code top_logprobs} (per token a dict of its
     * top alternatives and itself: up to N + 1 entries, as OpenAI documents) and {@code text_offset} (where each token's
     * text starts in the choice's {@code text}), written in pieces for a stream: the offsets go on from piece to piece.
     */
    static final class Legacy {
        private final ObjectMapper json;
        private int offset;

        /** @param offset where the first token's text starts in the choice's text */
        Legacy(ObjectMapper json, int offset) {
            this.json = json;
            this.offset = offset;
        }

        /** The next tokens' entries; each token's offset moves the next one on by the text it adds. */
        ObjectNode next(List<TokenLogprobs> tokens) {
            ObjectNode out = json.createObjectNode();
            out.putArray("tokens");
            out.putArray("token_logprobs");
            out.putArray("top_logprobs");
            out.putArray("text_offset");
            append(out, tokens, offset);
            return out;
        }

        /** Adds {@code tokens}' entries to {@code out}, the first one's text starting at {@code from}. */
        void append(ObjectNode out, List<TokenLogprobs> tokens, int from) {
            offset = from;
            ArrayNode texts = (ArrayNode) out.get("tokens");
            ArrayNode logprobs = (ArrayNode) out.get("token_logprobs");
            ArrayNode tops = (ArrayNode) out.get("top_logprobs");
            ArrayNode offsets = (ArrayNode) out.get("text_offset");
            for (TokenLogprobs t : tokens) {
                texts.add(t.token());
                offsets.add(offset);
                offset += t.text().length();
                if (t.logprob() == null) {
                    logprobs.addNull();
                    tops.addNull();
                    continue;
                }
                logprobs.add(value(t.logprob()));
                ObjectNode top = tops.addObject();
                for (TokenLogprob alt : t.top()) {
                    if (!top.has(alt.token())) {
                        top.put(alt.token(), value(alt.logprob()));
                    }
                }
                if (!top.has(t.token())) {
                    top.put(t.token(), value(t.logprob()));
                }
            }
        }
    }

    /** The chat form: {@code {"content": [{token, logprob, bytes, top_logprobs: [{token, logprob, bytes}]}], "refusal": null}}. */
    static ObjectNode chat(ObjectMapper json, List<TokenLogprobs> tokens) {
        ObjectNode out = json.createObjectNode();
        ArrayNode content = out.putArray("content");
        for (TokenLogprobs t : tokens) {
            ObjectNode entry = entry(content.addObject(), t.token(), t.logprob() == null ? FLOOR : t.logprob());
            ArrayNode top = entry.putArray("top_logprobs");
            for (TokenLogprob alt : t.top()) {
                entry(top.addObject(), alt.token(), alt.logprob());
            }
        }
        out.putNull("refusal");
        return out;
    }

    private static ObjectNode entry(ObjectNode node, String token, double logprob) {
        node.put("token", token).put("logprob", value(logprob));
        ArrayNode bytes = node.putArray("bytes");
        for (byte b : token.getBytes(StandardCharsets.UTF_8)) {
            bytes.add(b & 0xff);
        }
        return node;
    }
}
