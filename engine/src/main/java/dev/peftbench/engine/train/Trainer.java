package dev.peftbench.engine.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peftbench.engine.ModelSpec;
import dev.peftbench.engine.adapter.AdapterConfig;
import dev.peftbench.engine.adapter.AdapterLoader;
import dev.peftbench.engine.arch.Architectures;
import dev.peftbench.engine.arch.CausalLm;
import dev.peftbench.engine.eval.EvalRow;
import dev.peftbench.engine.eval.LabelSet;
import dev.peftbench.engine.generate.PromptTemplate;
import dev.peftbench.engine.hub.DownloadListener;
import dev.peftbench.engine.hub.HubSettings;
import dev.peftbench.engine.load.HfConfig;
import dev.peftbench.engine.load.HfSnapshot;
import dev.peftbench.engine.load.WeightSource;
import dev.peftbench.engine.tensor.djl.DjlTensorOps;
import dev.peftbench.engine.tokenize.Tokenizer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * Trains a PEFT adapter (prompt tuning or LoRA) on a labelled data file with the base model frozen, on any
 * family the engine runs, and writes it as peft does. Everything is checked before the weights are read
 * (data file, columns, labels, row lengths, method and target modules); then the model is loaded on the
 * DJL backend in float32 (on the CPU or a CUDA GPU), whose forward PyTorch's autograd differentiates.
 * Each optimizer step averages the loss over the target tokens of its examples; a cancelled run writes
 * the adapter as it stands after its last step.
 */
public final class Trainer {

    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    /** config.json keys that bound a model's positions, in the order transformers' configs use them. */
    private static final List<String> POSITION_LIMITS = List.of("max_position_embeddings", "n_positions", "seq_length",
            "max_sequence_length");

    private final HubSettings hub;

    public Trainer(HubSettings hub) {
        this.hub = hub;
    }

    /** Runs {@code job}; {@code cancelled} is asked before every step (then the adapter so far is written). */
    public TuningResult run(TuningJob job, TuningListener listener, BooleanSupplier cancelled) {
        long start = System.nanoTime();
        TuningData data = job.data();
        listener.preparing("reading " + data.file(), -1);
        DataFile file = DataFile.read(data.file());
        List<Example> examples = file.examples(data.textColumn(), data.labelColumn());
        PromptTemplate template = PromptTemplate.parse(data.template(), data.textColumn());

        DownloadListener downloads = DownloadListener.logTo(LOG)
                .andThen(p -> listener.preparing("downloading " + p.repo() + ": " + p.describe(), p.fraction()));
        Path modelDir = HfSnapshot.resolve(job.model(), hub, downloads);
        HfConfig config = HfConfig.read(modelDir);
        Architectures.Plan plan = Architectures.plan(config.raw(), modelDir);
        Path adapterDir = job.adapter() == null ? null : HfSnapshot.resolve(job.adapter(), hub, downloads);
        AdapterConfig continued = adapterDir == null ? null : AdapterConfig.read(adapterDir);
        AdapterChoice choice = AdapterChoice.of(job.method(), continued, plan);

        try (Tokenizer tokenizer = Tokenizer.load(modelDir)) {
            int endId = EndToken.resolve(data.endTokenId(), adapterDir == null ? null : EndToken.trainedWith(adapterDir),
                    modelDir, tokenizer, config.raw().path("vocab_size").asInt(Integer.MAX_VALUE));
            ExampleEncoder encoder = new ExampleEncoder(tokenizer, template, endId, data.promptSpecialTokens());
            int limit = data.maxLength() != null ? data.maxLength() : modelLimit(config.raw());
            String limitSource = data.maxLength() != null ? "--max-length" : "the model's limit";
            TrainingSet set = TrainingSet.of(examples, encoder, choice.virtualTokens(), limit, data.skipLongRows(),
                    data.evalSplit(), job.optimization().shuffle(), job.optimization().seed(), limitSource);
            if (!set.skippedRows().isEmpty()) {
                LOG.warn("left out {} rows longer than {} positions: {}", set.skippedRows().size(), limit, set.skippedRows());
            }
            listener.preparing("loading " + modelDir, 0);
            DjlTensorOps ops = DjlTensorOps.forTraining(job.device());
            CausalLm loaded;
            try (WeightSource weights = WeightSource.open(modelDir)) {
                loaded = plan.load(modelDir, weights, ops, (f, m) -> listener.preparing(m, f));
            } catch (RuntimeException e) {
                ops.close();
                throw e;
            }
            try (CausalLm model = loaded) {
                int longest = set.train().stream().mapToInt(EncodedExample::length).max().orElse(0);
                model.checkSequenceLength(choice.virtualTokens() + longest);
                TrainableAdapter adapter = adapterDir == null
                        ? choice.fresh(model, tokenizer, job.model(), PromptLearningShape.of(config.raw()), job.optimization().seed())
                        : choice.continued(AdapterLoader.load(adapterDir, model), model, PromptLearningShape.of(config.raw()));
                Map<Integer, Example> byRow = new HashMap<>();
                examples.forEach(e -> byRow.put(e.row(), e));
                Run run = new Run(job, model, ops, adapter, set, choice.dropout(), listener, cancelled);
                TrainingRecord record = new TrainingRecord(job.model(), job.adapter(), adapter.method(),
                        dataFacts(file, data, set, endId, limit), settings(job, adapter, run.plan(), choice));
                run.train(record);
                PeftAdapterFiles.write(job.out(), adapter, job.model());
                Evaluation evaluation = null;
                if (!run.interrupted() && !set.eval().isEmpty()) {
                    listener.evaluating(set.eval().size());
                    ops.loraDropout(0, 0);
                    LabelSet labelSet = LabelSet.ofRows(examples.stream().map(e -> new EvalRow(e.row() - 1, e.text(), e.label())).toList());
                    List<int[]> targets = labelSet.labels().stream().map(encoder::target).toList();
                    evaluation = new Evaluator(model, ops, tokenizer, endId).evaluate(adapter, set.eval(), byRow, labelSet, targets,
                            endId, job.out().toString(), job.optimization().batchSize(), cancelled);
                    if (evaluation != null) {
                        listener.evaluated(evaluation);
                    }
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                record.finish(run.plan().totalSteps(), run.interrupted(), seconds, evaluation);
                record.write(job.out());
                return new TuningResult(job.out(), run.plan(), run.losses().size(), run.interrupted(), run.losses(),
                        evaluation, seconds);
            }
        }
    }

    /** config.json's bound on positions, else the engine's prompt limit (BLOOM's ALiBi has none). */
    private static int modelLimit(JsonNode config) {
        for (String key : POSITION_LIMITS) {
            if (config.path(key).canConvertToInt() && config.path(key).intValue() > 0) {
                return config.path(key).intValue();
            }
        }
        return ModelSpec.DEFAULT_MAX_PROMPT_TOKENS;
    }

    private static Map<String, Object> dataFacts(DataFile file, TuningData data, TrainingSet set, int endId, int limit) {
        Map<String, Object> facts = new LinkedHashMap<>();
        facts.put("file", file.path().toString());
        facts.put("sha256", TrainingRecord.sha256(file.path()));
        facts.put("format", file.format().name());
        facts.put("rows", file.rows().size());
        facts.put("text_column", data.textColumn());
        facts.put("label_column", data.labelColumn());
        facts.put("template", data.template());
        facts.put("end_token_id", endId);
        facts.put("prompt_special_tokens", data.promptSpecialTokens());
        facts.put("max_positions", limit);
        facts.put("train_rows", set.train().size());
        facts.put("eval_rows", set.eval().size());
        facts.put("eval_split", data.evalSplit());
        facts.put("skipped_rows", set.skippedRows());
        return facts;
    }

    private static Map<String, Object> settings(TuningJob job, TrainableAdapter adapter, TuningPlan plan, AdapterChoice choice) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("method", adapter.method().label());
        if (adapter instanceof PromptTuningParameters p) {
            s.put("num_virtual_tokens", p.embeddings().rows());
            s.put("prompt_tuning_init", p.init());
            s.put("init_text", p.initText());
        } else if (adapter instanceof LoraParameters l) {
            s.put("lora_r", l.r());
            s.put("lora_alpha", l.alpha());
            s.put("lora_dropout", choice.dropout());
            s.put("target_modules", l.targetModules());
            s.put("use_rslora", l.rslora());
        }
        OptimizationSettings o = job.optimization();
        s.put("epochs", o.epochs());
        s.put("batch_size", o.batchSize());
        s.put("gradient_accumulation_steps", o.gradientAccumulationSteps());
        s.put("learning_rate", plan.learningRate());
        s.put("optimizer", o.optimizer().label());
        s.put("weight_decay", o.weightDecayOrDefault());
        s.put("warmup_steps", o.warmupSteps());
        s.put("max_steps", o.maxSteps());
        s.put("seed", o.seed());
        s.put("shuffle", o.shuffle());
        s.put("device", plan.device());
        s.put("dtype", "float32");
        return s;
    }
}
