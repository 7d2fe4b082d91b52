package dev.peftbench.engine.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.eval.EvalReportJson;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * {@code training_record.json} beside the adapter: where it came from (base model, data file and its
 * sha256), every setting the run used, the loss of every step and the held-out evaluation, so a run can
 * be told apart from another and repeated.
 */
public final class TrainingRecord {

    public static final String FILE = "training_record.json";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final ObjectNode root = JSON.createObjectNode();
    private final List<StepReport> steps = new ArrayList<>();

    /**
     * @param data        the data file's facts ({@code file}, {@code sha256}, {@code format}, rows...)
     * @param settings    every setting the run used, defaults resolved
     * @param resumedFrom the checkpoint the run continued, or null
     */
    TrainingRecord(String baseModel, String continuedFrom, TuningMethod method, Map<String, Object> data,
                   Map<String, Object> settings, Path resumedFrom) {
        root.put("base_model", baseModel);
        root.put("continued_from", continuedFrom);
        root.put("resumed_from", resumedFrom == null ? null : resumedFrom.toString());
        root.put("method", method.label());
        root.set("data", JSON.valueToTree(data));
        root.set("settings", JSON.valueToTree(settings));
    }

    void step(StepReport step) {
        steps.add(step);
    }

    /** The run's outcome; {@code evaluation} may be null. */
    ObjectNode finish(int totalSteps, boolean interrupted, double seconds, Evaluation evaluation) {
        root.put("steps", steps.size());
        root.put("total_steps", totalSteps);
        root.put("interrupted", interrupted);
        root.put("seconds", seconds);
        ArrayNode curve = root.putArray("loss_curve");
        for (StepReport s : steps) {
            curve.addObject().put("step", s.step()).put("epoch", s.epoch()).put("loss", s.loss())
                    .put("learning_rate", s.learningRate());
        }
        if (evaluation == null) {
            root.putNull("evaluation");
        } else {
            ObjectNode e = root.putObject("evaluation");
            e.put("rows", evaluation.rows()).put("exact_matches", evaluation.exactMatches())
                    .put("accuracy", evaluation.accuracy()).put("loss", evaluation.loss());
            ArrayNode predictions = e.putArray("predictions");
            evaluation.predictions().forEach(p -> predictions.addObject().put("row", p.row()).put("label", p.label())
                    .put("generated", p.generated()).put("exact_match", p.matches()));
            // The label scores of the held-out rows, as eval reports them for this adapter (its rows counted from 0).
            ObjectNode scores = EvalReportJson.result(evaluation.scores());
            ArrayNode labels = JSON.createArrayNode();
            evaluation.scores().labels().labels().forEach(labels::add);
            e.set("labels", labels);
            e.set("scores", scores);
        }
        return root.deepCopy();
    }

    void write(Path dir) {
        try {
            Path partial = dir.resolve(FILE + ".partial");
            JSON.writeValue(partial.toFile(), root);
            PeftAdapterFiles.move(partial, dir.resolve(FILE));
        } catch (IOException e) {
            throw EngineException.invalid("cannot write " + FILE + " to " + dir + ": " + e.getMessage());
        }
    }

    /** The file's sha256, hex. */
    static String sha256(Path file) {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (IOException e) {
            throw EngineException.invalid("cannot read " + file + ": " + e.getMessage());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
