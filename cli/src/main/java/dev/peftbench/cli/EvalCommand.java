package dev.peftbench.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peftbench.contract.ModelChoice;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.contract.Setting;
import dev.peftbench.contract.SettingOptions;
import dev.peftbench.engine.Engine;
import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.EngineOptions;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.engine.eval.ClassificationMetrics;
import dev.peftbench.engine.eval.EvalListener;
import dev.peftbench.engine.eval.EvalMode;
import dev.peftbench.engine.eval.EvalProgress;
import dev.peftbench.engine.eval.EvalReport;
import dev.peftbench.engine.eval.EvalReportJson;
import dev.peftbench.engine.eval.EvalRequest;
import dev.peftbench.engine.eval.EvalRow;
import dev.peftbench.engine.eval.EvalRun;
import dev.peftbench.engine.eval.LabelSet;
import dev.peftbench.engine.eval.PredictionsCsv;
import dev.peftbench.engine.eval.RowOutcome;
import dev.peftbench.engine.generate.PromptTemplate;
import dev.peftbench.engine.train.DataFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * {@code peftbench eval}: judges adapters as classifiers on a labelled CSV / JSON Lines file. Each {@code --adapter}
 * (the base model once, shared by all of them; {@code none} = the base model alone) evaluates every row through the
 * engine's {@link EvalRun}: by label scores (issue 26's teacher-forced log-likelihoods) or by greedy answers
 * ({@code --mode generate}). Progress on stderr (rows/s, ETA); the metrics on stdout, or one JSON object with
 * {@code --json}; {@code --out DIR} writes {@code report.json} and {@code predictions.csv}. Ctrl+C stops after the rows
 * under way and reports what was evaluated so far.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false, modelTransformer = EvalCommand.ModelFlags.class,
        description = {"Evaluate adapters as classifiers on a labelled CSV or JSON Lines file: accuracy, macro F1,",
                "per-label precision/recall/F1, the confusion matrix, the true label's log-likelihood, calibration (ECE)."})
public final class EvalCommand implements Callable<Integer> {

    /** What each adapter's engine name is made of; the base model is loaded once under all of them. */
    private static final String NAME = "eval-";

    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Labelled rows: FILE.csv (with a header row) or FILE.jsonl.")
    Path data;
    @Option(names = "--adapter", paramLabel = "DIR|HUB_ID|none", description = {"An adapter to evaluate; repeat it to compare "
            + "several (one result each, the base model loaded once); none = the base model alone.",
            "Default: the adapter the environment names (PEFT_MODEL_ID), else the bundled sample's with the default model."})
    List<String> adapters = new ArrayList<>();
    @Option(names = "--text-column", description = "Column with the input text, also the seed template's name for it (default 'Tweet text').")
    String textColumn = PromptTemplate.DEFAULT_TEXT_COLUMN;
    @Option(names = "--label-column", description = "Column with the true label (default 'text_label').")
    String labelColumn = "text_label";
    @Option(names = "--template", description = "seed (\"{text column} : {text} Label : \", default), raw, or a pattern with {input}; as tune's.")
    String template = "seed";
    @Option(names = "--labels", split = ",", paramLabel = "A,B,...", description = "The candidate labels, in this order "
            + "(default: the label column's distinct values, sorted); rows with another label are skipped.")
    List<String> labels;
    @Option(names = "--mode", description = "score (default: each label's log-likelihood, the best one predicted) or generate "
            + "(greedy answers as the server gives them, correct when the trimmed answer is the label).")
    String mode = "score";
    @Option(names = "--eos-token-id", description = "score: the id ending every label (default: the adapter's training record's, "
            + "else the tokenizer's eos token); generate: the id ending generation (default: the model's).")
    Integer eosTokenId;
    @Option(names = "--prompt-special-tokens", description = "score: tokenize contexts with the tokenizer's special tokens (a Llama BOS), "
            + "as tune --prompt-special-tokens; default: without, as tune.")
    boolean promptSpecialTokens;
    @Option(names = "--max-new-tokens", description = "generate: tokens per answer at most (default 10, the server's).")
    int maxNewTokens = EvalRequest.DEFAULT_MAX_NEW_TOKENS;
    @Option(names = "--limit", description = "Evaluate the first N rows only (default: all).")
    int limit;
    @Option(names = "--out", paramLabel = "DIR", description = "Also write report.json (as --json) and predictions.csv (every row) here.")
    Path out;
    @Option(names = "--json", description = "Print exactly one JSON object: {data, mode, rows, labels, results: [...]}.")
    boolean json;

    @Spec
    CommandSpec spec;

    /** The model settings of {@link Setting#model()} that eval takes as declared (its data flags are its own). */
    private static final List<Setting<?>> MODEL_FLAGS = List.of(Setting.BASE_MODEL, Setting.DTYPE, Setting.BACKEND, Setting.DEVICE);

    /** {@code --model}, {@code --dtype}, {@code --backend}, {@code --device} as {@link Setting} declares them. */
    static final class ModelFlags implements IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            SettingOptions.add(spec, MODEL_FLAGS, ModelChoice.EntryPoint.EVAL::shownDefault);
            return SettingOptions.add(spec, Setting.engine(), Setting::shownDefault);
        }
    }

    @Override
    public Integer call() throws IOException {
        PrintWriter stdout = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        EvalMode evalMode = EvalMode.parse(mode);
        if (limit < 0) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--limit must be >= 0 (0 = every row), got " + limit);
        }
        if (out != null && Files.isRegularFile(out)) {
            throw EngineException.invalid("--out " + out + " is a file; name a folder for the report");
        }
        DataFile file = DataFile.read(data);
        List<EvalRow> rows = EvalRow.of(file, textColumn, labelColumn, limit);
        LabelSet labelSet = labels == null || labels.isEmpty() ? LabelSet.ofRows(rows) : new LabelSet(labels);
        PromptTemplate prompt = PromptTemplate.parse(template, textColumn);
        ModelFields model = modelFields(System.getenv(), err);
        List<String> evaluated = adaptersToEvaluate(model);

        Progress progress = new Progress(err, ProgressLine.stderrIsTerminal());
        List<EvalReport> reports = new ArrayList<>();
        Interrupt interrupt = new Interrupt();
        Runtime.getRuntime().addShutdownHook(interrupt);
        try (Engine engine = new Engine(ModelOptions.engineOptions(spec, System.getenv(), EngineOptions.defaults()))) {
            for (int i = 0; i < evaluated.size(); i++) {
                ModelSpec modelSpec = model.withModel(model.baseModel(), evaluated.get(i)).spec();
                engine.load(NAME + i, modelSpec, ModelOptions.progressTo(err));
            }
            for (int i = 0; i < evaluated.size() && !interrupt.requested(); i++) {
                String shown = evaluated.get(i) == null ? "the base model" : evaluated.get(i);
                progress.start(shown, rows.size());
                EvalRun run = EvalRun.start(engine, new EvalRequest(NAME + i, evaluated.get(i) != null, rows, labelSet, prompt,
                        eosTokenId, promptSpecialTokens, evalMode, maxNewTokens), progress);
                interrupt.watch(run);
                EvalReport report = run.await();
                progress.finish();
                reports.add(report);
            }
            if (interrupt.requested()) {
                err.printf("interrupted: %d of %d rows evaluated with %s%n", reports.isEmpty() ? 0 : reports.getLast().rows().size(),
                        rows.size(), reports.isEmpty() ? "the first adapter" : shownAdapter(reports.getLast()));
            }
            ObjectNode report = EvalReportJson.of(data.toString(), evalMode, rows.size(), labelSet, reports);
            if (out != null) {
                write(report, evalMode, labelSet, reports);
                err.println("wrote " + out.resolve("report.json") + " and " + out.resolve("predictions.csv"));
            }
            if (json) {
                stdout.println(report);
            } else {
                reports.forEach(r -> print(stdout, r));
            }
            stdout.flush();
            err.flush();
            return 0;
        } finally {
            progress.finish();
            interrupt.release();
        }
    }

    /** {@link ModelChoice.EntryPoint#EVAL}'s choice: the flags (the first adapter other than none), the environment, ... */
    ModelFields modelFields(Map<String, String> env, PrintWriter err) {
        Map<Setting<?>, String> flags = new LinkedHashMap<>(SettingOptions.flags(spec, MODEL_FLAGS));
        adapters.stream().filter(a -> !a.equalsIgnoreCase(ModelFields.NO_ADAPTER)).findFirst()
                .or(() -> adapters.stream().findFirst())
                .ifPresent(a -> flags.put(Setting.ADAPTER, a));
        ModelChoice.Choice choice = ModelChoice.choose(ModelChoice.EntryPoint.EVAL, ModelChoice.Said.commandLine(flags, env));
        String base = choice.fields().baseModel();
        if (choice.baseModelFrom() == ModelChoice.Source.DEFAULT) {
            err.println("no " + Setting.BASE_MODEL.flag() + ": evaluating on the bundled sample " + base);
        } else if (choice.baseModelFrom() == ModelChoice.Source.ADAPTER_BASE) {
            err.println("no " + Setting.BASE_MODEL.flag() + ": evaluating on " + base + ", the base model "
                    + choice.fields().adapterToLoad() + " names (base_model_name_or_path)");
        }
        return choice.fields();
    }

    /** Each --adapter (null for none), or the one the model choice gives. */
    private List<String> adaptersToEvaluate(ModelFields model) {
        if (adapters.isEmpty()) {
            List<String> one = new ArrayList<>();
            one.add(model.adapterToLoad());
            return one;
        }
        return adapters.stream().map(a -> a.equalsIgnoreCase(ModelFields.NO_ADAPTER) ? null : a).toList();
    }

    private void write(ObjectNode report, EvalMode evalMode, LabelSet labelSet, List<EvalReport> reports) throws IOException {
        Files.createDirectories(out);
        new ObjectMapper().writerWithDefaultPrettyPrinter().writeValue(out.resolve("report.json").toFile(), report);
        try (Writer w = Files.newBufferedWriter(out.resolve("predictions.csv"), StandardCharsets.UTF_8)) {
            PredictionsCsv.write(w, evalMode, labelSet, reports);
        }
    }

    private static String shownAdapter(EvalReport r) {
        return r.adapter() == null ? "the base model" : r.adapter();
    }

    /** One adapter's result as text: the figures, the per-label table, the confusion matrix, the skipped rows. */
    static void print(PrintWriter out, EvalReport r) {
        ClassificationMetrics m = r.metrics();
        out.printf("%s (%s): %d rows evaluated, %d skipped%s, %.1f rows/s%n", shownAdapter(r), r.mode().label(), m.rows(),
                r.skipped().size(), r.cancelled() ? ", interrupted after " + r.rows().size() + " of " + r.total() : "",
                r.rowsPerSecond());
        out.printf("  accuracy %s  macro F1 %s%s%n", figure(m.accuracy()), figure(m.macroF1()), r.mode() == EvalMode.SCORE
                ? "  mean true-label log-prob " + figure(m.meanTrueLabelLogProbability()) + "  ECE " + figure(m.ece()) : "");
        int width = Math.max(12, m.columns().stream().mapToInt(String::length).max().orElse(0) + 2);
        out.printf("  %-" + width + "s %9s %9s %9s %8s%n", "label", "precision", "recall", "f1", "support");
        for (ClassificationMetrics.PerLabel p : m.perLabel()) {
            out.printf("  %-" + width + "s %9.4f %9.4f %9.4f %8d%n", p.label(), p.precision(), p.recall(), p.f1(), p.support());
        }
        out.println("  confusion matrix (rows: true label, columns: predicted)");
        StringBuilder header = new StringBuilder(String.format("  %-" + width + "s", ""));
        m.columns().forEach(c -> header.append(String.format(" %" + width + "s", c)));
        out.println(header);
        int[][] confusion = m.confusion();
        for (int i = 0; i < confusion.length; i++) {
            StringBuilder line = new StringBuilder(String.format("  %-" + width + "s", m.labels().get(i)));
            for (int n : confusion[i]) {
                line.append(String.format(" %" + width + "d", n));
            }
            out.println(line);
        }
        for (RowOutcome s : r.skipped()) {
            out.printf("  skipped row %d: %s%n", s.row(), s.skipped());
        }
    }

    private static String figure(double value) {
        return Double.isFinite(value) ? String.format("%.4f", value) : "n/a";
    }

    /**
     * Progress on stderr: on a terminal one line redrawn at most 10 times a second, elsewhere one line per tenth of the
     * rows; rows done, rows/s and the time left.
     */
    static final class Progress implements EvalListener {
        private final PrintWriter err;
        private final boolean terminal;
        private ProgressLine line;
        private String adapter;
        private long lastDrawn;

        Progress(PrintWriter err, boolean terminal) {
            this.err = err;
            this.terminal = terminal;
        }

        void start(String shownAdapter, int rows) {
            adapter = shownAdapter;
            line = new ProgressLine(err, terminal);
            err.printf("evaluating %s on %d rows%n", shownAdapter, rows);
            err.flush();
        }

        @Override
        public void onRow(RowOutcome row, EvalProgress p) {
            long now = System.nanoTime();
            boolean last = p.done() == p.total();
            if (terminal && !last && now - lastDrawn < 100_000_000L) {
                return;
            }
            lastDrawn = now;
            int tenth = last ? 11 : p.done() * 10 / p.total();
            line.show(String.format("%s: %d/%d rows  %.1f rows/s  ETA %s", adapter, p.done(), p.total(), p.rowsPerSecond(),
                    Double.isNaN(p.etaSeconds()) ? "?" : TuneCommand.TuneProgress.clock(p.etaSeconds())), tenth);
        }

        void finish() {
            if (line != null) {
                line.finish();
            }
        }
    }

    /**
     * Ctrl+C: the run under way stops after its rows in flight and the report of what was evaluated is printed before the
     * JVM ends (the hook waits for it).
     */
    private static final class Interrupt extends Thread {
        private final CountDownLatch reported = new CountDownLatch(1);
        private volatile boolean requested;
        private volatile EvalRun run;

        Interrupt() {
            super("eval-interrupted");
        }

        void watch(EvalRun current) {
            run = current;
            if (requested) {
                current.cancel();
            }
        }

        boolean requested() {
            return requested;
        }

        @Override
        public void run() {
            requested = true;
            EvalRun current = run;
            if (current != null) {
                current.cancel();
            }
            try {
                reported.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        void release() {
            reported.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(this);
            } catch (IllegalStateException e) {
                // Shutting down already (Ctrl+C): the hook is running and has just been released.
            }
        }
    }
}
