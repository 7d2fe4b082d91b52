package dev.peftbench.engine.tensor.cpu;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;

/**
 * The most float32 multiply-adds the Vector API issues on this machine: twelve independent chains of 512-bit FMAs on
 * values held in registers (no memory traffic), on every core at once, as the kernels run. The score is GFLOPS of all
 * threads together (JMH sums them; two floating-point operations per lane per FMA, per nanosecond): the ceiling
 * against which the README's prefill and batched decode rates are read. Run with
 * {@code ./mvnw -Pbench -pl engine -am verify -DskipTests -Djmh.args="FmaPeak"}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Threads(Threads.MAX)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class FmaPeakBenchmark {

    /** 512 bits, as the kernels' preferred species on AVX-512 machines like these (16 lanes). */
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    private static final int ROUNDS = 1024;
    private static final int CHAINS = 12;
    private static final int FLOPS = 2 * 16 * CHAINS * ROUNDS;

    private float multiplier = 0.999f;
    private float addend = 1e-3f;

    @Benchmark
    @OperationsPerInvocation(FLOPS)
    public float fmaChains() {
        FloatVector m = FloatVector.broadcast(F, multiplier);
        FloatVector c = FloatVector.broadcast(F, addend);
        FloatVector a0 = c, a1 = c, a2 = c, a3 = c, a4 = c, a5 = c, a6 = c, a7 = c, a8 = c, a9 = c, a10 = c, a11 = c;
        for (int i = 0; i < ROUNDS; i++) {
            a0 = a0.fma(m, c);
            a1 = a1.fma(m, c);
            a2 = a2.fma(m, c);
            a3 = a3.fma(m, c);
            a4 = a4.fma(m, c);
            a5 = a5.fma(m, c);
            a6 = a6.fma(m, c);
            a7 = a7.fma(m, c);
            a8 = a8.fma(m, c);
            a9 = a9.fma(m, c);
            a10 = a10.fma(m, c);
            a11 = a11.fma(m, c);
        }
        return a0.add(a1).add(a2.add(a3)).add(a4.add(a5).add(a6.add(a7))).add(a8.add(a9).add(a10.add(a11)))
                .reduceLanes(VectorOperators.ADD);
    }
}
