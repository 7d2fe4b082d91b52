package dev.peftbench.engine.eval;

import dev.peftbench.engine.EngineException;

import java.util.Locale;

/** How an evaluation judges a row: by its labels' scores, or by the answer greedy generation gives. */
public enum EvalMode {
    /** Teacher-forced label log-likelihoods (issue 26's scoring semantics); the prediction is the best label. */
    SCORE,
    /**
     * Greedy generation as the server answers; the prediction is the answer trimmed of surrounding whitespace, which
     * may be none of the labels ({@link ClassificationMetrics#OTHER}).
     */
    GENERATE;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static EvalMode parse(String text) {
        for (EvalMode m : values()) {
            if (m.label().equalsIgnoreCase(text == null ? "" : text.trim())) {
                return m;
            }
        }
        throw EngineException.invalid("unknown evaluation mode '" + text + "'; use score or generate");
    }
}
