package dev.peftbench.engine.train;

import dev.peftbench.engine.EngineException;
import dev.peftbench.engine.InputField;
import dev.peftbench.engine.arch.CausalLm;
import dev.peftbench.engine.tensor.Autograd;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;

/**
 * The optimisation loop of one run: epochs of (shuffled) batches, {@code gradientAccumulationSteps} batches
 * per optimizer step, the gradient of each step that of the mean loss over all its target tokens (as
 * transformers' Trainer normalises accumulated steps), the learning rate from the linear schedule.
 *
 * <p>Everything random is a function of the seed and the position, so a run resumed from a
 * {@link Checkpoint} takes the steps an uninterrupted one takes, bit for bit: each epoch's order is drawn
 * from one generator seeded once (a resumed run replays the draws of the epochs before without computing
 * their steps), and each step's dropout masks from a generator seeded from the seed and the step's number.
 */
final class Run {

    private final CausalLm model;
    private final Autograd autograd;
    private final TrainableAdapter adapter;
    private final TrainingSet set;
    private final OptimizationSettings settings;
    private final TuningListener listener;
    private final BooleanSupplier cancelled;
    private final TuningPlan plan;
    private final double dropout;
    private final List<Double> losses = new ArrayList<>();
    private final TuningJob job;
    private final Checkpoint resumed;
    private final JsonNode facts;
    private final List<StepReport> history = new ArrayList<>();
    private boolean interrupted;

    /**
     * @param resumed the checkpoint to continue from (its parameters already in {@code adapter}'s shape), or null
     * @param facts   the run's settings and data, saved with each checkpoint
     */
    Run(TuningJob job, CausalLm model, Autograd autograd, TrainableAdapter adapter, TrainingSet set, double dropout,
        TuningListener listener, BooleanSupplier cancelled, Checkpoint resumed, JsonNode facts) {
        this.job = job;
        this.resumed = resumed;
        this.facts = facts;
        this.model = model;
        this.autograd = autograd;
        this.adapter = adapter;
        this.set = set;
        this.settings = job.optimization();
        this.listener = listener;
        this.cancelled = cancelled;
        this.dropout = dropout;
        double learningRate = settings.learningRate(adapter.method());
        int batches = Math.ceilDiv(set.train().size(), settings.batchSize());
        int stepsPerEpoch = Math.ceilDiv(batches, settings.gradientAccumulationSteps());
        int total = settings.maxSteps() > 0 ? settings.maxSteps() : settings.epochs() * stepsPerEpoch;
        long trainable = adapter.parameters().stream().mapToLong(p -> p.values().length).sum();
        this.plan = new TuningPlan(adapter.method(), model.info().architecture(), set.train().size(), set.eval().size(),
                set.skippedRows(), stepsPerEpoch, total, trainable, learningRate,
                job.device().name().toLowerCase(java.util.Locale.ROOT));
    }

    TuningPlan plan() {
        return plan;
    }

    boolean interrupted() {
        return interrupted;
    }

    List<Double> losses() {
        return List.copyOf(losses);
    }

    void train(TrainingRecord record) {
        listener.started(plan);
        LearningRateSchedule schedule = new LearningRateSchedule(plan.learningRate(), settings.warmupSteps(), plan.totalSteps());
        Optimizer optimizer = settings.optimizer().create(settings.weightDecayOrDefault());
        int resumeAt = 0;
        if (resumed != null) {
            resumed.restore(adapter, optimizer);
            resumeAt = resumed.step();
            for (StepReport s : resumed.history(plan.totalSteps())) {
                history.add(s);
                losses.add(s.loss());
                record.step(s);
            }
        }
        BoundAdapter bound = new BoundAdapter(adapter, autograd, true);
        SplittableRandom order = new SplittableRandom(settings.seed() + 3);
        long start = System.nanoTime();
        long fed = 0;
        int step = 0;
        for (int epoch = 0; step < plan.totalSteps(); epoch++) {
            List<EncodedExample> rows = new ArrayList<>(set.train());
            if (settings.shuffle()) {
                TrainingSet.shuffle(rows, order);
            }
            List<List<EncodedExample>> batches = new ArrayList<>();
            for (int i = 0; i < rows.size(); i += settings.batchSize()) {
                batches.add(rows.subList(i, Math.min(rows.size(), i + settings.batchSize())));
            }
            for (int g = 0; g < batches.size() && step < plan.totalSteps(); g += settings.gradientAccumulationSteps()) {
                if (step < resumeAt) {
                    step++;
                    continue;
                }
                if (cancelled.getAsBoolean()) {
                    interrupted = true;
                    if (checkpointing().saveSteps() > 0 && step > resumeAt) {
                        save(step, optimizer);
                    }
                    return;
                }
                autograd.loraDropout(dropout, dropoutSeed(step));
                List<List<EncodedExample>> group = batches.subList(g, Math.min(batches.size(), g + settings.gradientAccumulationSteps()));
                int tokens = group.stream().flatMap(List::stream).mapToInt(EncodedExample::targetLength).sum();
                double lossSum = 0;
                for (List<EncodedExample> micro : group) {
                    try (LossBatch batch = new LossBatch(model, bound.rows(), adapter.virtualTokens(), micro)) {
                        lossSum += autograd.backward(() -> batch.lossSum(model, autograd), 1f / tokens);
                        fed += batch.positions();
                    }
                }
                double loss = lossSum / tokens;
                if (!Double.isFinite(loss)) {
                    throw EngineException.invalid("the loss became " + loss + " at step " + (step + 1) + "; lower {0}", InputField.LEARNING_RATE);
                }
                double rate = schedule.rate(step);
                optimizer.step(adapter.parameters(), bound.gradients(), rate);
                bound.update();
                step++;
                losses.add(loss);
                double elapsed = (System.nanoTime() - start) / 1e9;
                int done = step - resumeAt;
                StepReport report = new StepReport(step, plan.totalSteps(), epoch + (double) (g + group.size()) / batches.size(),
                        loss, rate, fed / elapsed, elapsed, elapsed / done * (plan.totalSteps() - step));
                record.step(report);
                history.add(report);
                listener.step(report);
                if (checkpointing().saveSteps() > 0 && step % checkpointing().saveSteps() == 0) {
                    save(step, optimizer);
                }
            }
        }
    }

    private Checkpointing checkpointing() {
        return job.checkpointing();
    }

    private void save(int step, Optimizer optimizer) {
        Path dir = Checkpoint.save(job.out(), step, adapter, job.model(), optimizer, facts, history);
        listener.preparing("saved " + dir, -1);
    }

    /** Step {@code step}'s dropout masks come from this seed alone (the generator seeded with it draws them). */
    private long dropoutSeed(int step) {
        return new SplittableRandom(settings.seed() + 2 + step).nextLong();
    }
}
