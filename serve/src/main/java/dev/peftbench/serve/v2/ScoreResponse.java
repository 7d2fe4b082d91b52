package dev.peftbench.serve.v2;

import dev.peftbench.engine.score.LabelScores;
import dev.peftbench.engine.score.RowScore;

import java.util.List;

/**
 * The answer to a scoring {@link InferRequest}: for each of the B texts, every label's score (log P(label's ids and end
 * id | context), issue 26's semantics: what {@code eval} prints) and its probability among the labels, and the best
 * label. Sent as outputs {@value #LOGPROBS} (FP32 [B, K]), {@value #PROBABILITIES} (FP32 [B, K]) and {@value #LABEL}
 * (BYTES [B], {@code content_type = str}), values row-major.
 */
public record ScoreResponse(String modelName, String modelVersion, String id, List<String> labels, float[] logProbabilities,
                            float[] probabilities, List<String> best) {

    public static final String LOGPROBS = "label_logprobs";
    public static final String PROBABILITIES = "probabilities";
    public static final String LABEL = "label";
    public static final String FP32 = "FP32";

    public ScoreResponse {
        labels = List.copyOf(labels);
        best = List.copyOf(best);
        logProbabilities = logProbabilities.clone();
        probabilities = probabilities.clone();
    }

    /** Every row of {@code scores} (all scored) as the response's tensors. */
    public static ScoreResponse of(String modelName, String modelVersion, String id, LabelScores scores) {
        int k = scores.labels().size();
        List<RowScore> rows = scores.rows();
        float[] logs = new float[rows.size() * k];
        float[] chances = new float[rows.size() * k];
        String[] best = new String[rows.size()];
        for (int b = 0; b < rows.size(); b++) {
            RowScore row = rows.get(b);
            double[] l = row.logProbabilities();
            double[] p = row.probabilities();
            for (int j = 0; j < k; j++) {
                logs[b * k + j] = (float) l[j];
                chances[b * k + j] = (float) p[j];
            }
            best[b] = scores.labels().get(row.best());
        }
        return new ScoreResponse(modelName, modelVersion, id, scores.labels(), logs, chances, List.of(best));
    }

    public int rows() {
        return best.size();
    }

    /** [B, K] of the two FP32 outputs. */
    public List<Long> matrixShape() {
        return List.of((long) best.size(), (long) labels.size());
    }

    @Override
    public float[] logProbabilities() {
        return logProbabilities.clone();
    }

    @Override
    public float[] probabilities() {
        return probabilities.clone();
    }
}
