package dev.peftbench.engine.train;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.InputField;
import dev.peftbench.engine.load.DType;
import dev.peftbench.engine.load.SafetensorsFile;
import dev.peftbench.engine.load.SafetensorsWriter;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A tuning run saved after a step, laid out as transformers' Trainer lays {@code <out>/checkpoint-<step>}:
 * the adapter as peft saves it, the optimizer's state ({@code optimizer.safetensors}, under torch's state
 * keys) and {@code trainer_state.json} (the global step, the loss history, and the run's settings and data
 * facts, which a run resuming from it must share). The shuffle order and the dropout masks need no saved
 * state: {@link Run} derives both from the seed and the step, so the step says where they stand. A
 * checkpoint is written beside its place and renamed into it when complete, so a run cut short never
 * leaves half of one.
 */
final class Checkpoint {

    static final String PREFIX = "checkpoint-";
    static final String STATE = "trainer_state.json";
    static final String OPTIMIZER = "optimizer.safetensors";
    private static final Pattern NAME = Pattern.compile(Pattern.quote(PREFIX) + "([0-9]{1,9})");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path dir;
    private final JsonNode state;

    private Checkpoint(Path dir, JsonNode state) {
        this.dir = dir;
        this.state = state;
    }

    /**
     * Saves the run after {@code step} steps into {@code out/checkpoint-<step>}.
     *
     * @param run     the run's settings and data facts (what a resumed run must share)
     * @param history every step so far
     */
    static Path save(Path out, int step, TrainableAdapter adapter, String baseModel, Optimizer optimizer, JsonNode run,
                     List<StepReport> history) {
        Path target = out.resolve(PREFIX + step);
        Path partial = out.resolve("." + PREFIX + step + ".partial");
        try {
            deleteTree(partial);
            PeftAdapterFiles.write(partial, adapter, baseModel);
            Map<String, float[]> values = optimizer.state(adapter.parameters());
            List<SafetensorsWriter.Entry> entries = values.entrySet().stream().sorted(Map.Entry.comparingByKey())
                    .map(e -> new SafetensorsWriter.Entry(e.getKey(), DType.F32, new long[] {e.getValue().length})).toList();
            SafetensorsWriter.write(partial.resolve(OPTIMIZER), Map.of("format", "pt"), entries, e -> values.get(e.name()));
            ObjectNode state = JSON.createObjectNode();
            state.put("global_step", step);
            state.set("run", run);
            ArrayNode log = state.putArray("log_history");
            for (StepReport s : history) {
                log.addObject().put("step", s.step()).put("epoch", s.epoch()).put("loss", s.loss())
                        .put("learning_rate", s.learningRate());
            }
            JSON.writeValue(partial.resolve(STATE).toFile(), state);
            deleteTree(target);
            Files.move(partial, target);
            return target;
        } catch (IOException e) {
            throw EngineException.invalid("cannot write checkpoint " + target + ": " + e.getMessage());
        }
    }

    /**
     * The checkpoint {@code given} names: a {@code checkpoint-<step>} folder, or a folder holding some (the
     * one of the highest step).
     *
     * @throws EngineException when it is neither, naming what a checkpoint holds
     */
    static Checkpoint read(Path given) {
        Path dir = Files.isRegularFile(given.resolve(STATE)) ? given : latest(given).orElseThrow(() -> EngineException.invalid(
                "{0} " + given + " is no checkpoint: name a " + PREFIX + "<step> folder (with " + STATE + ", "
                        + PeftAdapterFiles.WEIGHTS + " and " + OPTIMIZER + ") that {1} wrote, or the {2} folder holding them",
                InputField.RESUME, InputField.SAVE_STEPS, InputField.OUT));
        for (String file : List.of(PeftAdapterFiles.WEIGHTS, OPTIMIZER)) {
            if (!Files.isRegularFile(dir.resolve(file))) {
                throw EngineException.invalid("checkpoint " + dir + " lacks " + file);
            }
        }
        try {
            JsonNode state = JSON.readTree(dir.resolve(STATE).toFile());
            if (!state.path("global_step").canConvertToInt() || state.path("global_step").intValue() < 1
                    || !state.path("run").isObject()) {
                throw EngineException.invalid("checkpoint " + dir + ": " + STATE + " names no step and run");
            }
            return new Checkpoint(dir, state);
        } catch (IOException e) {
            throw EngineException.invalid("checkpoint " + dir + ": " + STATE + " is not readable JSON: " + e.getMessage());
        }
    }

    /** The {@code checkpoint-<step>} folders in {@code out}. */
    static List<Path> all(Path out) {
        if (!Files.isDirectory(out)) {
            return List.of();
        }
        try (Stream<Path> entries = Files.list(out)) {
            return entries.filter(p -> Files.isDirectory(p) && NAME.matcher(p.getFileName().toString()).matches()).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static Optional<Path> latest(Path out) {
        return all(out).stream().filter(p -> Files.isRegularFile(p.resolve(STATE))).max(Comparator.comparingInt(Checkpoint::stepOf));
    }

    private static int stepOf(Path checkpoint) {
        Matcher m = NAME.matcher(checkpoint.getFileName().toString());
        return m.matches() ? Integer.parseInt(m.group(1)) : -1;
    }

    Path dir() {
        return dir;
    }

    /** The steps done when it was saved. */
    int step() {
        return state.path("global_step").intValue();
    }

    /** The steps done so far, as {@code log_history} holds them (their timings are not kept). */
    List<StepReport> history(int totalSteps) {
        List<StepReport> out = new ArrayList<>();
        for (JsonNode s : state.path("log_history")) {
            out.add(new StepReport(s.path("step").intValue(), totalSteps, s.path("epoch").doubleValue(), s.path("loss").doubleValue(),
                    s.path("learning_rate").doubleValue(), 0, 0, 0));
        }
        return out;
    }

    /**
     * @throws EngineException when {@code run} (this run's settings and data facts) differs from the saved run's,
     *                         naming the first difference: continuing it would be another run
     */
    void requireSameRun(JsonNode run) {
        JsonNode now;
        try {
            // as it reads back from a file, so numbers compare by value (a long seed reads back as an int)
            now = JSON.readTree(JSON.writeValueAsString(run));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        Optional<String> difference = difference("", state.path("run"), now);
        difference.ifPresent(d -> {
            throw EngineException.invalid("{0} " + dir + " was saved by another run: " + d
                    + "; resume with the settings and data it was saved with", InputField.RESUME);
        });
    }

    /** The parameters and the optimizer as they were saved: the next step is the one the saved run would take. */
    void restore(TrainableAdapter adapter, Optimizer optimizer) {
        try (SafetensorsFile weights = SafetensorsFile.open(dir.resolve(PeftAdapterFiles.WEIGHTS));
             SafetensorsFile saved = SafetensorsFile.open(dir.resolve(OPTIMIZER))) {
            for (Parameter p : adapter.parameters()) {
                if (!weights.names().contains(p.name())) {
                    throw EngineException.invalid("checkpoint " + dir + " has no " + p.name());
                }
                float[] values = weights.readFloats(p.name());
                if (values.length != p.values().length) {
                    throw EngineException.invalid("checkpoint " + dir + ": " + p.name() + " holds " + values.length
                            + " values, this run's " + p.values().length);
                }
                System.arraycopy(values, 0, p.values(), 0, values.length);
            }
            Map<String, float[]> state = new HashMap<>();
            for (String name : saved.names()) {
                state.put(name, saved.readFloats(name));
            }
            optimizer.restore(adapter.parameters(), state, step());
        }
    }

    /** Where two JSON trees first differ, as {@code key: saved A, now B}; empty when equal. */
    private static Optional<String> difference(String path, JsonNode saved, JsonNode now) {
        if (saved.isObject() && now.isObject()) {
            for (Iterator<String> names = saved.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                Optional<String> d = difference(path.isEmpty() ? name : path + "." + name, saved.path(name), now.path(name));
                if (d.isPresent()) {
                    return d;
                }
            }
            for (Iterator<String> names = now.fieldNames(); names.hasNext(); ) {
                String name = names.next();
                if (!saved.has(name)) {
                    return Optional.of((path.isEmpty() ? name : path + "." + name) + ": saved without it, now " + now.get(name));
                }
            }
            return Optional.empty();
        }
        return saved.equals(now) ? Optional.empty() : Optional.of(path + ": saved " + saved + ", now " + now);
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
