package dev.peftbench.engine.tensor.cpu;

import dev.peftbench.engine.ComputeType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import javax.management.ObjectName;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the warm-up is for: while a model's weights load, it gets C2 to compile the kernels a forward spends its time
 * in, so the first requests do not run them interpreted or in C1. Checked in a JVM of its own, where nothing else has
 * run the kernels (this test JVM has, in other tests): the warm-up as a load starts it ({@link KernelWarmUp#startOnce}),
 * then HotSpot's list of compiled methods ({@code jcmd Compiler.codelist}) must hold each kernel at tier 4 (C2).
 */
class KernelWarmUpTest {

    private static final String KERNELS = "dev.peftbench.engine.tensor.cpu.";

    /**
     * The products' row tiles (8, 4 and 1 rows: the warm-up's 13 rows reach each) of the type's weights, and attention's
     * two inner loops (scores against a block of keys, values weighted into the context). 8- and 4-bit weights' adapters
     * and layer-0 attention run the float32 tiles too.
     */
    private static final Map<ComputeType, List<String>> KERNELS_BY_TYPE = Map.of(
            ComputeType.FLOAT32, List.of("LinearKernels.f32Rows8", "LinearKernels.f32Rows4", "LinearKernels.f32Row"),
            ComputeType.BFLOAT16, List.of("LinearKernels.bf16Rows8", "LinearKernels.bf16Rows4", "LinearKernels.bf16Row"),
            ComputeType.INT8, List.of("Int8Kernels.rows8", "Int8Kernels.rows4", "Int8Kernels.row",
                    "LinearKernels.f32Rows8", "LinearKernels.f32Rows4", "LinearKernels.f32Row"),
            ComputeType.Q4, List.of("Q4Kernels.rows8", "Q4Kernels.rows4", "Q4Kernels.row",
                    "LinearKernels.f32Rows8", "LinearKernels.f32Rows4", "LinearKernels.f32Row"));
    private static final List<String> ATTENTION = List.of("AttentionKernel.blockScores", "AttentionKernel.weightedValues");

    @ParameterizedTest
    @EnumSource(value = ComputeType.class, names = {"FLOAT32", "BFLOAT16", "INT8", "Q4"})
    void leavesTheKernelsCompiledByC2(ComputeType type) throws Exception {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--add-modules", "jdk.incubator.vector"));
        // The same vector width as this JVM (the build also runs the kernel tests at -XX:MaxVectorSize=16 and -XX:UseAVX=2).
        ManagementFactory.getRuntimeMXBean().getInputArguments().stream().filter(a -> a.startsWith("-XX:")).forEach(command::add);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), KernelWarmUpTest.class.getName(), type.name()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), out);
        assertEquals(0, p.exitValue(), out);

        List<String> missing = Stream.concat(KERNELS_BY_TYPE.get(type).stream(), ATTENTION.stream())
                .filter(kernel -> out.lines().noneMatch(l -> compiledByC2(l, kernel))).toList();
        assertEquals(List.of(), missing, "not compiled by C2 after the " + type.label() + " warm-up:\n" + out);
    }

    /** A Compiler.codelist line, {@code <id> <tier> <state> <class.method(signature)> [<code>]}, of {@code kernel} at tier 4. */
    private static boolean compiledByC2(String line, String kernel) {
        String[] f = line.trim().split("\\s+");
        return f.length >= 4 && f[1].equals("4") && f[3].startsWith(KERNELS + kernel + "(");
    }

    /** In the fresh JVM: the warm-up a load starts, to its end and until C2's queue is empty, then the compiled methods. */
    public static void main(String[] args) throws Exception {
        KernelWarmUp.startOnce(ComputeType.valueOf(args[0]));
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().equals("peftbench-kernel-warmup")) {
                t.join();
            }
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (diagnostic("compilerQueue").contains(KERNELS) && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        diagnostic("compilerCodelist").lines().filter(l -> l.contains(KERNELS)).forEach(System.out::println);
    }

    private static String diagnostic(String command) throws Exception {
        return (String) ManagementFactory.getPlatformMBeanServer().invoke(new ObjectName("com.sun.management:type=DiagnosticCommand"),
                command, new Object[] {null}, new String[] {String[].class.getName()});
    }
}
