package dev.peftbench.engine.train;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.peftbench.engine.Device;
import dev.peftbench.engine.GoldenRunner;
import dev.peftbench.engine.adapter.AdapterConfig;
import dev.peftbench.engine.adapter.AdapterLoader;
import dev.peftbench.engine.arch.Architectures;
import dev.peftbench.engine.arch.CausalLm;
import dev.peftbench.engine.arch.ForwardRow;
import dev.peftbench.engine.generate.PromptTemplate;
import dev.peftbench.engine.hub.HubSettings;
import dev.peftbench.engine.load.WeightSource;
import dev.peftbench.engine.tensor.KvCache;
import dev.peftbench.engine.tensor.djl.DjlTensorOps;
import dev.peftbench.engine.tokenize.Tokenizer;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

import static dev.peftbench.engine.train.TrainingGolden.GRADIENT_TOLERANCE;
import static dev.peftbench.engine.train.TrainingGolden.LOSS_TOLERANCE;
import static dev.peftbench.engine.train.TrainingGolden.UPDATE_TOLERANCE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The trainer against the fixtures' training goldens (float64 PyTorch autograd through transformers' BLOOM and
 * peft): the batch it builds, the loss and every gradient on the DJL backend in float32, and the adapter
 * {@code tune} writes after one SGD step and one AdamW step, within the fixtures README's tolerances; the
 * base model computes bit for bit what it did before training.
 */
class TrainingGoldenTest {

    @TempDir
    Path tmp;

    private static List<EncodedExample> encoded(TrainingGolden g, Tokenizer tokenizer) {
        ExampleEncoder encoder = new ExampleEncoder(tokenizer, PromptTemplate.parse(g.template(), g.textColumn()), g.eosTokenId(), false);
        return IntStream.range(0, g.examples().size())
                .mapToObj(i -> encoder.encode(new Example(i + 1, g.examples().get(i).text(), g.examples().get(i).label())))
                .toList();
    }

    /** The golden's adapter as a run continuing it trains it, with the settings it was saved with. */
    private static TrainableAdapter goldenAdapter(TrainingGolden g, CausalLm model) throws IOException {
        var config = new ObjectMapper().readTree(g.modelDir().resolve("config.json").toFile());
        AdapterChoice choice = AdapterChoice.of(new MethodSettings(null, null, null, null, null, null, null, null),
                AdapterConfig.read(g.adapterDir()), Architectures.plan(config, g.modelDir()));
        return choice.continued(AdapterLoader.load(g.adapterDir(), model), model, PromptLearningShape.of(config));
    }

    @ParameterizedTest
    @ValueSource(strings = {"prompt-tuning", "lora"})
    void examplesAreEncodedAsPeftsExampleBuildsTheBatch(String name) {
        TrainingGolden g = TrainingGolden.read(name);
        try (Tokenizer tokenizer = Tokenizer.load(g.modelDir())) {
            List<EncodedExample> examples = encoded(g, tokenizer);
            for (int i = 0; i < examples.size(); i++) {
                TrainingGolden.GoldenExample expected = g.examples().get(i);
                assertArrayEquals(expected.promptTokenIds().stream().mapToInt(Integer::intValue).toArray(), examples.get(i).promptIds());
                assertArrayEquals(expected.targetTokenIds().stream().mapToInt(Integer::intValue).toArray(), examples.get(i).targetIds());
            }
            assertEquals(g.numLossTokens(), examples.stream().mapToInt(EncodedExample::targetLength).sum());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"prompt-tuning", "lora"})
    void lossAndEveryGradientMatchFloat64AutogradAndTheBaseModelStaysAsItWas(String name) throws IOException {
        TrainingGolden g = TrainingGolden.read(name);
        try (Tokenizer tokenizer = Tokenizer.load(g.modelDir()); CausalLm model = GoldenRunner.load(g.modelDir(),
                DjlTensorOps.forTraining(Device.CPU))) {
            DjlTensorOps ops = (DjlTensorOps) model.ops();
            float[] baseBefore = baseLogits(model, tokenizer, g);
            TrainableAdapter adapter = goldenAdapter(g, model);
            BoundAdapter bound = new BoundAdapter(adapter, ops, true);
            List<EncodedExample> batch = encoded(g, tokenizer);
            double lossSum;
            try (LossBatch b = new LossBatch(model, bound.rows(), adapter.virtualTokens(), batch)) {
                lossSum = ops.backward(() -> b.lossSum(model, ops), 1f / b.targetTokens());
            }
            double loss = lossSum / g.numLossTokens();
            assertTrue(Math.abs(loss - g.loss()) / g.loss() <= LOSS_TOLERANCE, "loss " + loss + " vs " + g.loss());

            List<float[]> gradients = bound.gradients();
            assertEquals(g.trainable().size(), gradients.size());
            for (int i = 0; i < gradients.size(); i++) {
                String tensor = adapter.parameters().get(i).name();
                double error = TrainingGolden.relativeL2(toDouble(gradients.get(i)), TrainingGolden.flatDouble(g.grads().get(tensor)));
                assertTrue(error <= GRADIENT_TOLERANCE, tensor + ": gradient relative L2 " + error);
            }
            new Optimizer.Sgd(0).step(adapter.parameters(), gradients, 0.1);
            bound.update();
            assertArrayEquals(baseBefore, baseLogits(model, tokenizer, g), "the base model's logits after a step");
        }
    }

    /**
     * DJL frees a Java-side buffer when its array is closed or collected; arrays autograd saves for the backward
     * pass must outlive it, even when the garbage collector runs between the forward and the backward pass.
     */
    @ParameterizedTest
    @ValueSource(strings = {"prompt-tuning", "lora"})
    void gradientsSurviveAGarbageCollectionBetweenForwardAndBackward(String name) throws IOException {
        TrainingGolden g = TrainingGolden.read(name);
        try (Tokenizer tokenizer = Tokenizer.load(g.modelDir()); CausalLm model = GoldenRunner.load(g.modelDir(),
                DjlTensorOps.forTraining(Device.CPU))) {
            DjlTensorOps ops = (DjlTensorOps) model.ops();
            TrainableAdapter adapter = goldenAdapter(g, model);
            for (int attempt = 0; attempt < 3; attempt++) {
                BoundAdapter bound = new BoundAdapter(adapter, ops, true);
                try (LossBatch b = new LossBatch(model, bound.rows(), adapter.virtualTokens(), encoded(g, tokenizer))) {
                    ops.backward(() -> {
                        var loss = b.lossSum(model, ops);
                        System.gc();
                        return loss;
                    }, 1f / b.targetTokens());
                }
                List<float[]> gradients = bound.gradients();
                for (int i = 0; i < gradients.size(); i++) {
                    String tensor = adapter.parameters().get(i).name();
                    double error = TrainingGolden.relativeL2(toDouble(gradients.get(i)), TrainingGolden.flatDouble(g.grads().get(tensor)));
                    assertTrue(error <= GRADIENT_TOLERANCE, tensor + " after a collection: gradient relative L2 " + error);
                }
            }
        }
    }

    /** The base model alone (no adapter) on the first example's prompt: every position's logits. */
    private static float[] baseLogits(CausalLm model, Tokenizer tokenizer, TrainingGolden g) {
        int[] ids = tokenizer.encode(g.examples().getFirst().prompt(), false);
        try (KvCache cache = model.newCache(ids.length)) {
            return GoldenRunner.allPositionLogits(model, List.of(new ForwardRow(cache, ids, null, null))).getFirst();
        }
    }

    @ParameterizedTest
    @CsvSource({"prompt-tuning, sgd", "prompt-tuning, adamw", "lora, sgd", "lora, adamw"})
    void oneTuneStepWritesTheGoldenUpdate(String name, String optimizerName) throws IOException {
        TrainingGolden g = TrainingGolden.read(name);
        TrainingGolden.GoldenOptimizer o = g.optimizers().get(optimizerName);
        Path out = tmp.resolve("out");
        TuningJob job = new TuningJob(g.modelDir().toString(), g.adapterDir().toString(), Device.CPU,
                TuningData.of(g.writeCsv(tmp), g.textColumn(), g.labelColumn()),
                new MethodSettings(null, null, null, null, null, g.peftType().equals("LORA") ? 0.0 : null, null, null),
                new OptimizationSettings(1, g.examples().size(), o.lr(), Optimizer.Kind.parse(optimizerName), o.weightDecay(), 0, 1, 1,
                        42, false), out);
        TuningResult result = new Trainer(HubSettings.fromEnvironment()).run(job, TuningListener.NONE, () -> false);

        assertEquals(1, result.steps());
        assertTrue(Math.abs(result.losses().getFirst() - g.loss()) / g.loss() <= LOSS_TOLERANCE, "loss " + result.losses());
        Map<String, List<List<Double>>> after = optimizerName.equals("sgd") ? g.paramsAfterSgd() : g.paramsAfterAdamw();
        try (WeightSource start = WeightSource.open(g.adapterDir()); WeightSource written = WeightSource.open(out)) {
            assertEquals(after.keySet(), written.names());
            for (String tensor : after.keySet()) {
                double[] initial = toDouble(start.readFloats(tensor));
                double[] expected = TrainingGolden.flatDouble(after.get(tensor));
                double[] actual = toDouble(written.readFloats(tensor));
                double error = TrainingGolden.relativeL2(minus(actual, initial), minus(expected, initial));
                assertTrue(error <= UPDATE_TOLERANCE, tensor + ": update relative L2 " + error);
            }
        }
    }

    private static double[] toDouble(float[] v) {
        double[] d = new double[v.length];
        Arrays.setAll(d, i -> v[i]);
        return d;
    }

    private static double[] minus(double[] a, double[] b) {
        double[] d = new double[a.length];
        Arrays.setAll(d, i -> a[i] - b[i]);
        return d;
    }
}
