package dev.peftbench.engine.generate;

import dev.peftbench.engine.FinishReason;

import java.util.List;
import java.util.function.Supplier;

/**
 * When a sequence ends (transformers' StoppingCriteria): an eos id (kept in the output, as HF does),
 * a stop string appearing in the generated text, or {@code max_new_tokens}.
 */
public final class StopCondition {

    private final SamplingParams params;

    /** @param params with the eos ids resolved (never the model-default null) */
    public StopCondition(SamplingParams params) {
        if (params.eosTokenIds() == null) {
            throw new IllegalArgumentException("the eos ids must be resolved to the model's before generating");
        }
        this.params = params;
    }

    /** The reason to stop after the last generated id, or null to go on. */
    public FinishReason check(List<Integer> generated, Supplier<String> generatedText) {
        if (!generated.isEmpty() && params.eosTokenIds().contains(generated.getLast())) {
            return FinishReason.EOS_TOKEN;
        }
        if (!params.stop().isEmpty() && stopIndex(generatedText.get()) >= 0) {
            return FinishReason.STOP_SEQUENCE;
        }
        return generated.size() >= params.maxNewTokens() ? FinishReason.LENGTH : null;
    }

    /** Where the first stop string starts in {@code text}, or -1. */
    public int stopIndex(String text) {
        int first = -1;
        for (String s : params.stop()) {
            int i = text.indexOf(s);
            if (i >= 0 && (first < 0 || i < first)) {
                first = i;
            }
        }
        return first;
    }
}
