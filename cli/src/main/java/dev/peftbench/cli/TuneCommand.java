package dev.peftbench.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.peftbench.contract.FieldFlags;
import dev.peftbench.contract.ModelChoice;
import dev.peftbench.contract.ModelFields;
import dev.peftbench.contract.Setting;
import dev.peftbench.contract.SettingOptions;
import dev.peftbench.engine.Device;
import dev.peftbench.engine.FieldMessage;
import dev.peftbench.engine.eval.ClassificationMetrics;
import dev.peftbench.engine.hub.HubSettings;
import dev.peftbench.engine.train.Checkpointing;
import dev.peftbench.engine.train.Evaluation;
import dev.peftbench.engine.train.MethodSettings;
import dev.peftbench.engine.train.OptimizationSettings;
import dev.peftbench.engine.train.Optimizer;
import dev.peftbench.engine.train.StepReport;
import dev.peftbench.engine.train.Trainer;
import dev.peftbench.engine.train.TrainingRecord;
import dev.peftbench.engine.train.TuningData;
import dev.peftbench.engine.train.TuningJob;
import dev.peftbench.engine.train.TuningListener;
import dev.peftbench.engine.train.TuningMethod;
import dev.peftbench.engine.train.TuningPlan;
import dev.peftbench.engine.train.TuningResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.IModelTransformer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code peftbench tune}: trains a prompt-tuning or LoRA adapter on a labelled CSV / JSON Lines file with the
 * engine's trainer and writes it as peft does (plus {@code training_record.json}). Progress goes to stderr;
 * Ctrl+C writes the adapter as it stands after the last step; the held-out evaluation is printed, or the
 * whole record as one JSON object with {@code --json}.
 */
@Command(name = "tune", mixinStandardHelpOptions = true, sortOptions = false, modelTransformer = TuneCommand.BaseModelOption.class,
        description = {"Train a PEFT adapter (prompt tuning or LoRA) on a labelled CSV or JSON Lines file.",
                "The base model stays frozen; the adapter is written as peft's save_pretrained writes it."})
public final class TuneCommand implements Callable<Integer> {

    @Option(names = "--adapter", paramLabel = "DIR|HUB_ID", description = "Continue training this adapter (same method) instead of a fresh one.")
    String adapter;
    @Option(names = "--data", required = true, paramLabel = "FILE", description = "Labelled rows: FILE.csv (with a header row) or FILE.jsonl.")
    Path data;
    @Option(names = "--text-column", description = "Column with the input text (default 'Tweet text').")
    String textColumn = "Tweet text";
    @Option(names = "--label-column", description = "Column with the label to learn (default 'text_label').")
    String labelColumn = "text_label";
    @Option(names = "--template", description = "seed (\"{text column} : {text} Label : \", default), raw, or a pattern with {input}.")
    String template = "seed";
    @Option(names = "--method", description = "prompt-tuning (default for a fresh adapter) or lora.")
    String method;
    @Option(names = "--num-virtual-tokens", description = "Prompt tuning: virtual tokens (default 8).")
    Integer numVirtualTokens;
    @Option(names = "--init-text", description = "Prompt tuning: initialise the virtual tokens from this text's embeddings (default: random).")
    String initText;
    @Option(names = "--lora-r", description = "LoRA rank (default 8).")
    Integer loraR;
    @Option(names = "--lora-alpha", description = "LoRA alpha; scaling alpha/r (default 32).")
    Double loraAlpha;
    @Option(names = "--lora-dropout", description = "LoRA dropout in training; 0 turns it off (default 0.1; off when continuing).")
    Double loraDropout;
    @Option(names = "--target-modules", split = ",", description = "LoRA: projections to adapt, e.g. q_proj,v_proj or all-linear "
            + "(default peft's for the family: query_key_value for BLOOM, q_proj,v_proj for Llama, Mistral, Qwen).")
    List<String> targetModules;
    @Option(names = "--use-rslora", arity = "0..1", description = "LoRA: rank-stabilised scaling alpha/sqrt(r).")
    Boolean useRslora;
    @Option(names = "--epochs", description = "Passes over the training rows (default 20).")
    int epochs = OptimizationSettings.DEFAULT_EPOCHS;
    @Option(names = "--batch-size", description = "Rows per batch (default 8).")
    int batchSize = OptimizationSettings.DEFAULT_BATCH_SIZE;
    @Option(names = "--gradient-accumulation-steps", description = "Batches per optimizer step (default 1).")
    int gradientAccumulationSteps = 1;
    @Option(names = "--lr", description = "Peak learning rate (default 3e-2 for prompt tuning, 3e-3 for LoRA).")
    Double lr;
    @Option(names = "--optimizer", description = "adamw (default) or sgd.")
    String optimizer = "adamw";
    @Option(names = "--weight-decay", description = "Default: the optimizer's torch default (AdamW 0.01, SGD 0).")
    Double weightDecay;
    @Option(names = "--warmup-steps", description = "Linear warm-up steps, then linear decay to 0 (default 0).")
    int warmupSteps;
    @Option(names = "--max-steps", description = "Stop after this many optimizer steps (default: all epochs).")
    int maxSteps;
    @Option(names = "--seed", description = "Seed for the initialisation, shuffling, split and dropout (default 42).")
    long seed = OptimizationSettings.DEFAULT_SEED;
    @Option(names = "--no-shuffle", description = "Train on the rows in file order (and hold out the last rows).")
    boolean noShuffle;
    @Option(names = "--eval-split", description = "Fraction of rows held out for the evaluation (default 0: none).")
    double evalSplit;
    @Option(names = "--max-length", description = "Most positions a row may take (virtual tokens + prompt + label + end id; default: the model's limit).")
    Integer maxLength;
    @Option(names = "--long-rows", description = "Rows longer than that: fail (default) or skip.")
    String longRows = "fail";
    @Option(names = "--eos-token-id", description = "Id appended to every label (default: the tokenizer's eos token, as peft's example).")
    Integer eosTokenId;
    @Option(names = "--prompt-special-tokens", description = "Tokenize prompts with the tokenizer's special tokens (a Llama BOS), "
            + "as generation does; default: without, as the labels.")
    boolean promptSpecialTokens;
    @Option(names = "--device", description = "cpu (default) or gpu (PyTorch on CUDA); float32 either way.")
    String device = "cpu";
    @Option(names = "--out", required = true, paramLabel = "DIR", description = "Folder the adapter is written to; "
            + "refused when it holds files, unless --overwrite (or --resume continues a checkpoint in it).")
    Path out;
    @Option(names = "--overwrite", description = "Replace what --out holds (its checkpoints too).")
    boolean overwrite;
    @Option(names = "--save-steps", paramLabel = "N", description = "Every N steps (and on Ctrl+C), save a checkpoint: "
            + "the adapter, the optimizer's state and the step, in --out/checkpoint-<step> (default 0: none).")
    int saveSteps;
    @Option(names = "--resume", paramLabel = "DIR", description = "Continue the run a checkpoint saved: a checkpoint-<step> "
            + "folder, or the --out folder holding some (the latest); with the same data and settings, it ends with the "
            + "adapter an uninterrupted run ends with.")
    Path resume;
    @Option(names = "--json", description = "Print the training record (settings, loss curve, evaluation) as one JSON object.")
    boolean json;

    @Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!longRows.equals("fail") && !longRows.equals("skip")) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--long-rows must be fail or skip, got '" + longRows + "'");
        }
        TuningJob job = new TuningJob(baseModel(System.getenv(), err), adapter, Device.parse(device),
                new TuningData(data, textColumn, labelColumn, template, evalSplit, maxLength, longRows.equals("skip"),
                        eosTokenId, promptSpecialTokens),
                new MethodSettings(method == null ? null : TuningMethod.parse(method), numVirtualTokens, initText, loraR,
                        loraAlpha, loraDropout, targetModules, useRslora),
                new OptimizationSettings(epochs, batchSize, lr, Optimizer.Kind.parse(optimizer), weightDecay, warmupSteps, maxSteps,
                        gradientAccumulationSteps, seed, !noShuffle),
                this.out, new Checkpointing(overwrite, saveSteps, resume));
        TuneProgress progress = new TuneProgress(err, ProgressLine.stderrIsTerminal());
        AtomicBoolean cancelled = new AtomicBoolean();
        CountDownLatch done = new CountDownLatch(1);
        // Ctrl+C: the run stops after its current step and writes the adapter so far before the JVM ends.
        Thread interrupt = new Thread(() -> {
            cancelled.set(true);
            try {
                done.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }, "tune-interrupted");
        Runtime.getRuntime().addShutdownHook(interrupt);
        try {
            TuningResult result = new Trainer(HubSettings.fromEnvironment()).run(job, progress, cancelled::get);
            progress.finish();
            report(result, out, err);
            return 0;
        } finally {
            progress.finish();
            done.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(interrupt);
            } catch (IllegalStateException e) {
                // Shutting down already (Ctrl+C): the hook is running and has just been released.
            }
        }
    }

    /** {@code --model}, as {@link Setting#BASE_MODEL} declares it, with tune's default in its help. */
    static final class BaseModelOption implements IModelTransformer {
        @Override
        public CommandSpec transform(CommandSpec spec) {
            return SettingOptions.add(spec, List.of(Setting.BASE_MODEL), ModelChoice.EntryPoint.TUNE::shownDefault);
        }
    }

    /** {@link ModelChoice.EntryPoint#TUNE}'s choice: the flag, the variable, the adapter's base, the bundled sample model. */
    String baseModel(Map<String, String> env, PrintWriter err) {
        ModelChoice.Choice choice = ModelChoice.choose(ModelChoice.EntryPoint.TUNE, ModelChoice.Said.NOTHING
                .withFlags(ModelFields.of(SettingOptions.flags(spec, List.of(Setting.BASE_MODEL)).get(Setting.BASE_MODEL), adapter))
                .withEnvironment(ModelFields.fromEnvironment(env)));
        String base = choice.fields().baseModel();
        if (choice.baseModelFrom() == ModelChoice.Source.DEFAULT) {
            err.println("no --model: tuning the bundled sample " + base);
        } else if (choice.baseModelFrom() == ModelChoice.Source.ADAPTER_BASE) {
            err.println("no --model: tuning on " + base + ", the base model " + adapter + " names (base_model_name_or_path)");
        }
        return base;
    }

    private void report(TuningResult result, PrintWriter out, PrintWriter err) throws IOException {
        if (result.interrupted()) {
            err.printf("interrupted after step %d of %d: the adapter as it stands is in %s%n", result.steps(),
                    result.plan().totalSteps(), result.out());
        }
        if (json) {
            ObjectNode record = (ObjectNode) new ObjectMapper().readTree(result.out().resolve(TrainingRecord.FILE).toFile());
            ObjectNode line = new ObjectMapper().createObjectNode().put("out", result.out().toAbsolutePath().toString());
            line.setAll(record);
            out.println(line);
        } else {
            List<Double> losses = result.losses();
            out.printf("adapter written to %s (%s, %d steps, %.1f s)%n", result.out(), result.plan().method().label(),
                    result.steps(), result.seconds());
            if (!losses.isEmpty()) {
                out.printf("training loss %.4f -> %.4f%n", losses.getFirst(), losses.getLast());
            }
            Evaluation e = result.evaluation();
            if (e != null) {
                out.printf("held-out evaluation: %d of %d exact matches (%.1f%%), loss %.4f%n", e.exactMatches(), e.rows(),
                        100 * e.accuracy(), e.loss());
                ClassificationMetrics m = e.scores().metrics();
                out.printf("held-out label scores: accuracy %.4f, macro F1 %.4f, mean true-label log-prob %.4f, ECE %.4f "
                        + "(eval --adapter %s gives every figure)%n", m.accuracy(), m.macroF1(), m.meanTrueLabelLogProbability(),
                        m.ece(), result.out());
            }
        }
        out.flush();
    }

    /**
     * A run's progress on stderr: on a terminal one line redrawn in place per step, elsewhere one line per
     * tenth of the steps (and the first), so stdout stays for the result.
     */
    static final class TuneProgress implements TuningListener {
        private final PrintWriter err;
        private final ProgressLine line;

        TuneProgress(PrintWriter err, boolean terminal) {
            this.err = err;
            this.line = new ProgressLine(err, terminal);
        }

        @Override
        public void preparing(String message, double fraction) {
            line.finish();
            err.println(fraction < 0 ? message : String.format("%s (%.0f%%)", message, 100 * fraction));
            err.flush();
        }

        @Override
        public void warning(FieldMessage message) {
            line.finish();
            err.println("warning: " + message.text(FieldFlags::of));
            err.flush();
        }

        @Override
        public void started(TuningPlan plan) {
            err.printf("tuning %s on %s (%s, float32): %d training rows, %d held out%s; %d steps (%d per epoch), "
                            + "%d trainable parameters, learning rate %s%n", plan.method().label(), plan.architecture(), plan.device(),
                    plan.trainRows(), plan.evalRows(), plan.skippedRows().isEmpty() ? "" : ", " + plan.skippedRows().size()
                            + " too long skipped", plan.totalSteps(), plan.stepsPerEpoch(), plan.trainableParameters(),
                    plan.learningRate());
            err.flush();
        }

        @Override
        public void step(StepReport s) {
            // Off a terminal: the first step, one per tenth of the run, and the last.
            int tenth = s.step() == s.totalSteps() ? 11 : s.step() * 10 / s.totalSteps();
            line.show(String.format("step %d/%d  epoch %.2f  loss %.4f  lr %.3g  %.0f tokens/s  ETA %s", s.step(), s.totalSteps(),
                    s.epoch(), s.loss(), s.learningRate(), s.tokensPerSecond(), clock(s.etaSeconds())), tenth);
        }

        @Override
        public void evaluating(int rows) {
            finish();
            err.println("evaluating on " + rows + " held-out rows");
            err.flush();
        }

        void finish() {
            line.finish();
        }

        static String clock(double seconds) {
            long s = Math.round(seconds);
            return s >= 3600 ? String.format("%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String.format("%d:%02d", s / 60, s % 60);
        }
    }
}
