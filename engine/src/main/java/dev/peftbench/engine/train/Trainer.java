package dev.peftbench.engine.train;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peftbench.engine.FieldMessage;
import dev.peftbench.engine.InputField;
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
    private static final com.fasterxml.jackson.databind.ObjectMapper RECORD_JSON = new com.fasterxml.jackson.databind.ObjectMapper();
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
        Checkpoint resumed = job.checkpointing().resume() == null ? null : Checkpoint.read(job.checkpointing().resume());
        OutputFolder.prepare(job, resumed);
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
            Integer trainedWith = adapterDir == null ? null : EndToken.trainedWith(adapterDir);
            int endId = EndToken.resolve(data.endTokenId(), trainedWith, modelDir, tokenizer,
                    config.raw().path("vocab_size").asInt(Integer.MAX_VALUE));
            String endFrom = data.endTokenId() != null ? "{0}"
                    : trainedWith != null ? "the id the continued adapter was trained with" : "the tokenizer's eos";
            ExampleEncoder encoder = new ExampleEncoder(tokenizer, template, endId, data.promptSpecialTokens());
            int limit = data.maxLength() != null ? data.maxLength() : modelLimit(config.raw());
            TrainingSet set = TrainingSet.of(examples, encoder, choice.virtualTokens(), limit, data.skipLongRows(),
                    data.evalSplit(), job.optimization().shuffle(), job.optimization().seed(), data.maxLength() != null);
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
                warnIfNoStop(endId, endFrom, model, listener);
                TrainableAdapter adapter = adapterDir == null
                        ? choice.fresh(model, tokenizer, job.model(), PromptLearningShape.of(config.raw()), job.optimization().seed())
                        : choice.continued(AdapterLoader.load(adapterDir, model), model, PromptLearningShape.of(config.raw()));
                Map<Integer, Example> byRow = new HashMap<>();
                examples.forEach(e -> byRow.put(e.row(), e));
                Map<String, Object> facts = dataFacts(file, data, set, endId, limit);
                Map<String, Object> settings = settings(job, adapter, choice);
                JsonNode sameRun = sameRun(job, adapter, facts, settings);
                if (resumed != null) {
                    resumed.requireSameRun(sameRun);
                }
                Run run = new Run(job, model, ops, adapter, set, choice.dropout(), listener, cancelled, resumed, sameRun);
                TrainingRecord record = new TrainingRecord(job.model(), job.adapter(), adapter.method(), facts, settings,
                        resumed == null ? null : resumed.dir());
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

    /**
     * What a run resuming from a checkpoint must share with the run that saved it: the base model, the
     * adapter continued, the data (by content: its sha256, not its path) and every setting.
     */
    private static JsonNode sameRun(TuningJob job, TrainableAdapter adapter, Map<String, Object> facts,
                                    Map<String, Object> settings) {
        Map<String, Object> data = new LinkedHashMap<>(facts);
        data.remove("file");
        Map<String, Object> run = new LinkedHashMap<>();
        run.put("base_model", job.model());
        run.put("continued_from", job.adapter());
        run.put("method", adapter.method().label());
        run.put("data", data);
        run.put("settings", settings);
        return RECORD_JSON.valueToTree(run);
    }

    /**
     * Warns when the id ending every label is none of the ids generation stops at: served, the adapter then
     * writes its label and runs on to the token limit.
     */
    private static void warnIfNoStop(int endId, String endFrom, CausalLm model, TuningListener listener) {
        List<Integer> stops = model.info().eosTokenIds();
        if (stops.contains(endId)) {
            return;
        }
        FieldMessage warning = FieldMessage.of("the labels end with id " + endId + " (" + endFrom + ")"
                + ", which is not one of the ids " + model.info().architecture() + " stops at " + stops + ": served, the "
                + "adapter will run on after its label to the token limit. Tune with {0} "
                + (stops.isEmpty() ? "ID" : stops.getFirst()) + ", or have requests stop at " + endId
                + " ({0} " + endId + ", or {1} when serving)", InputField.EOS_TOKEN_ID, InputField.STOP_TOKEN_IDS);
        LOG.warn("{}", warning);
        listener.warning(warning);
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

    private static Map<String, Object> settings(TuningJob job, TrainableAdapter adapter, AdapterChoice choice) {
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
        s.put("learning_rate", o.learningRate(adapter.method()));
        s.put("optimizer", o.optimizer().label());
        s.put("weight_decay", o.weightDecayOrDefault());
        s.put("warmup_steps", o.warmupSteps());
        s.put("max_steps", o.maxSteps());
        s.put("seed", o.seed());
        s.put("shuffle", o.shuffle());
        s.put("device", job.device().name().toLowerCase(java.util.Locale.ROOT));
        s.put("dtype", "float32");
        return s;
    }
}
