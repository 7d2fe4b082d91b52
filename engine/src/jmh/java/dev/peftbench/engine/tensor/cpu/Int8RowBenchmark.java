package dev.peftbench.engine.tensor.cpu;

import dev.peftbench.engine.load.DType;
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

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * int8's one-row product (a decode step at batch 1) two ways over the same weights, on every core as the backend
 * runs it: {@code integer}, the kernel in use ({@link Int8Kernels}: the input quantized to 8 bits, 16-bit integer
 * products) and {@code float}, the previous one ({@link Int8FloatRow}: bytes widened to float32, float FMAs), to weigh
 * them on other CPUs and vector widths ({@code -jvmArgsAppend -XX:UseAVX=2} or {@code -XX:MaxVectorSize=16}). GB/s =
 * 34 bytes per 32 weights / time. Compare with {@code LinearBenchmark -p dtype=bfloat16 -p rows=1} in the same run.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx6g", "-XX:+UseTransparentHugePages"})
public class Int8RowBenchmark {

    @Param({"integer", "float"})
    String kernel;

    @Param({"250880x1024", "1024x1024"})
    String shape;

    /** Threads; 0: every core. */
    @Param({"0"})
    int threads;

    private WorkerPool pool;
    private PackedWeight.Int8 weight;
    private float[] x;
    private float[] y;
    private final ThreadLocal<float[]> tails = ThreadLocal.withInitial(() -> new float[PackedWeight.PANEL]);
    private int in;
    private int out;

    @Setup(Level.Trial)
    public void setUp() {
        String[] dims = shape.split("x");
        out = Integer.parseInt(dims[0]);
        in = Integer.parseInt(dims[1]);
        pool = new WorkerPool(threads > 0 ? threads : Runtime.getRuntime().availableProcessors());
        SplittableRandom random = new SplittableRandom(1);
        ByteBuffer stored = ByteBuffer.allocate(Math.multiplyExact(2 * out, in)).order(ByteOrder.LITTLE_ENDIAN);
        while (stored.hasRemaining()) {
            stored.putShort((short) (random.nextInt(2) << 15 | 0x3c00 + random.nextInt(256)));  // ±[2^-7, 2^-6)
        }
        stored.flip();
        weight = PackedWeight.Int8.pack(stored, DType.BF16, out, in);
        x = new float[in];
        for (int i = 0; i < in; i++) {
            x[i] = (float) random.nextDouble(-1, 1);
        }
        y = new float[out];
        // The two kernels' difference: the inputs' 8-bit rounding only (relative L2 of order 1e-3 here).
        float[] reference = new float[out];
        pool.forRange(weight.panels(), 1, true, (p0, p1) -> Int8FloatRow.linear(x, in, weight, reference, p0, p1));
        pool.forRange(weight.panels(), 1, true, (p0, p1) -> Int8Kernels.linear(x, 1, in, weight, null, y, out, p0, p1, new float[PackedWeight.PANEL]));
        double diff = 0, norm = 0;
        for (int i = 0; i < out; i++) {
            diff += (y[i] - reference[i]) * (double) (y[i] - reference[i]);
            norm += reference[i] * (double) reference[i];
        }
        System.err.printf("integer vs float kernel, relative L2: %.3e%n", Math.sqrt(diff / norm));
    }

    @Benchmark
    public float linear() {
        if (kernel.equals("float")) {
            pool.forRange(weight.panels(), 1, true, (p0, p1) -> Int8FloatRow.linear(x, in, weight, y, p0, p1));
        } else {
            pool.forRange(weight.panels(), 1, true, (p0, p1) -> Int8Kernels.linear(x, 1, in, weight, null, y, out, p0, p1, tails.get()));
        }
        return y[out - 1];
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        pool.close();
    }
}
