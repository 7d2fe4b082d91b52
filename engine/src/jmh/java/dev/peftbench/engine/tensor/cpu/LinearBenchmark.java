package dev.peftbench.engine.tensor.cpu;

import dev.peftbench.engine.ComputeType;
import dev.peftbench.engine.load.DType;
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

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * One matrix product of the CPU backend, {@code y = x · wᵀ}, on bloomz-560m's shapes: the lm_head
 * (250880 x 1024, 46% of the weights) and a block's 4h->h projection, for a decode step at batch 1, 8 and 16
 * and a prefill chunk of 32 rows, with 4-bit (q4_0 blocks), 8-bit (q8_0 blocks), bfloat16 and float32 weights. Time
 * per product; GFLOPS = 2 · rows · out · in / time; at one row, GB/s = the weight's bytes / time (q4 18, int8 34 bytes
 * per 32 values, bfloat16 2 and float32 4 per value). Run with
 * {@code ./mvnw -Pbench -pl engine -am verify -DskipTests}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector", "-Xmx6g", "-XX:+UseTransparentHugePages"})
public class LinearBenchmark {

    @Param({"q4", "int8", "bfloat16", "float32"})
    String dtype;

    @Param({"250880x1024", "1024x4096"})
    String shape;

    @Param({"1", "8", "16", "32"})
    int rows;

    private CpuTensorOps ops;
    private Tensor weight;
    private CpuTensor input;

    @Setup(Level.Trial)
    public void setUp() {
        ComputeType type = ComputeType.parse(dtype);
        String[] dims = shape.split("x");
        int out = Integer.parseInt(dims[0]);
        int in = Integer.parseInt(dims[1]);
        ops = new CpuTensorOps(type, Runtime.getRuntime().availableProcessors());
        SplittableRandom random = new SplittableRandom(1);
        ByteBuffer stored = ByteBuffer.allocate(Math.multiplyExact(2 * out, in)).order(ByteOrder.LITTLE_ENDIAN);
        while (stored.hasRemaining()) {
            stored.putShort((short) (0x3c00 + random.nextInt(256)));  // bfloat16 values in [2^-7, 2^-6)
        }
        stored.flip();
        weight = switch (type) {
            case BFLOAT16 -> PackedWeight.Bf16.pack(stored, DType.BF16, out, in);
            case INT8 -> PackedWeight.Int8.pack(stored, DType.BF16, out, in);
            case Q4 -> PackedWeight.Q4.pack(stored, DType.BF16, out, in);
            default -> PackedWeight.F32.pack(stored, DType.BF16, out, in);
        };
        float[] x = new float[rows * in];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) random.nextDouble(-1, 1);
        }
        input = new CpuTensor(x, rows, in);
    }

    @Benchmark
    public float linear() {
        Tensor y = ops.linear(input, weight, null);
        float first = ops.toFloats(y)[0];
        ops.recycle(y);
        ops.endStep();
        return first;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        ops.close();
    }
}
