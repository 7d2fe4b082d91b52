package dev.peftbench.engine.tensor.cpu;

import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.tensor.AttentionSpan;
import dev.peftbench.engine.tensor.KvCache;
import dev.peftbench.engine.tensor.PositionScheme;
import dev.peftbench.engine.tensor.QkvLayout;
import dev.peftbench.engine.tensor.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One layer's attention of the CPU backend over a cache already holding {@code past} positions: a prefill chunk of
 * {@code rows} new positions of one sequence, or a decode step of {@code rows} sequences with one new position each,
 * on bloomz-560m's heads (16 of 64, ALiBi, a KV head per query head) and Qwen2.5-0.5B's (14 of 64 over 2 KV heads,
 * RoPE). The new keys and values overwrite the same positions at every call. Time per call; one layer of the long
 * prompt's chunk at 1,800 positions is {@code -p rows=64 -p past=1792 -p mode=chunk}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx4g", "-XX:+UseTransparentHugePages"})
public class AttentionBenchmark {

    @Param({"bloom", "qwen2"})
    String heads;

    /** chunk: {@code rows} positions of one sequence; decode: one position of each of {@code rows} sequences. */
    @Param({"chunk", "decode"})
    String mode;

    @Param({"64"})
    int rows;

    @Param({"512", "1792"})
    int past;

    private CpuTensorOps ops;
    private QkvLayout layout;
    private PositionScheme positions;
    private CpuTensor qkv;
    private final List<KvCache> caches = new ArrayList<>();
    private final List<AttentionSpan> spans = new ArrayList<>();

    @Setup(Level.Trial)
    public void setUp() {
        ops = new CpuTensorOps(ComputeType.FLOAT32, Runtime.getRuntime().availableProcessors());
        boolean bloom = heads.equals("bloom");
        layout = bloom ? QkvLayout.perHeadInterleaved(16, 64) : QkvLayout.stacked(14, 2, 64);
        float[] slopes = new float[16];
        for (int h = 0; h < slopes.length; h++) {
            slopes[h] = (float) Math.pow(2, -0.5 * (h + 1));
        }
        float[] frequencies = new float[32];
        for (int i = 0; i < frequencies.length; i++) {
            frequencies[i] = (float) Math.pow(1_000_000, -2.0 * i / 64);
        }
        positions = bloom ? new PositionScheme.Alibi(slopes) : new PositionScheme.Rotary(frequencies);
        SplittableRandom random = new SplittableRandom(1);
        int sequences = mode.equals("chunk") ? 1 : rows;
        int perSequence = mode.equals("chunk") ? rows : 1;
        // Fill each cache's first past positions a chunk at a time, then keep writing the same new positions.
        for (int s = 0; s < sequences; s++) {
            KvCache cache = ops.newKvCache(1, layout.kvHeads(), layout.headDim(), past + perSequence);
            caches.add(cache);
            for (int done = 0; done < past; ) {
                int n = Math.min(256, past - done);
                ops.recycle(ops.attention(filled(n, random), 0, layout, positions, List.of(new AttentionSpan(cache, 0, n))));
                cache.advance(n);
                done += n;
            }
            spans.add(new AttentionSpan(cache, s * perSequence, perSequence));
        }
        qkv = filled(sequences * perSequence, random);
    }

    private CpuTensor filled(int n, SplittableRandom random) {
        float[] v = new float[n * layout.cols()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) random.nextDouble(-1, 1);
        }
        return new CpuTensor(v, n, layout.cols());
    }

    @Benchmark
    public float attention() {
        // RoPE rotates the queries and keys in place: a copy keeps every call's input the same.
        CpuTensor input = new CpuTensor(qkv.data().clone(), qkv.rows(), qkv.cols());
        Tensor context = ops.attention(input, 0, layout, positions, spans);
        float first = ops.toFloats(context)[0];
        ops.recycle(context);
        ops.endStep();
        return first;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        caches.forEach(KvCache::close);
        ops.close();
    }
}
