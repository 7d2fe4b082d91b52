package dev.peftbench.engine.tensor.djl;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PyTorchNativesTest {

    /** oneMKL's answer for the code path it was told to take (mkl_cbwr.h): MKL_CBWR_BRANCH asks, AUTO and COMPATIBLE answer. */
    private static final int MKL_CBWR_BRANCH = 1;
    private static final int MKL_CBWR_AUTO = 2;
    private static final int MKL_CBWR_COMPATIBLE = 3;
    private static final String MKL_CBWR = "MKL_CBWR";

    @Test
    void oneMklRunsTheCompatiblePathInAProcessWhoseEnvironmentSaidNothing() throws Exception {
        assertEquals(MKL_CBWR_COMPATIBLE, mklBranchIn(null), "PyTorch loaded before MKL_CBWR was set, or not set at all");
    }

    @Test
    void theUsersOwnMklSettingWins() throws Exception {
        assertEquals(MKL_CBWR_AUTO, mklBranchIn("AUTO"));
    }

    @Test
    void platformsAreNamedAsDjlNamesThem() {
        assertEquals("linux-x86_64", PyTorchNatives.platform("Linux", "amd64"));
        assertEquals("linux-aarch64", PyTorchNatives.platform("Linux", "aarch64"));
        assertEquals("osx-aarch64", PyTorchNatives.platform("Mac OS X", "aarch64"));
        assertEquals("win-x86_64", PyTorchNatives.platform("Windows 11", "amd64"));
    }

    @Test
    void aMissingOrForeignLibraryIsOneSentenceThatSaysWhatStillRuns() {
        Properties linux = new Properties();
        linux.setProperty("classifier", "linux-x86_64");
        assertNull(PyTorchNatives.problem(linux, "linux-x86_64"));

        String foreign = PyTorchNatives.problem(linux, "osx-aarch64");
        assertTrue(foreign.contains("for osx-aarch64, but this build carries the one for linux-x86_64")
                && foreign.contains("build on osx-aarch64 itself"), foreign);
        String unpublished = PyTorchNatives.problem(null, "osx-x86_64");
        assertTrue(unpublished.contains("PyTorch publishes no CPU library for osx-x86_64"), unpublished);
        for (String message : List.of(foreign, unpublished)) {
            assertTrue(message.contains("cpu backend") && !message.contains("\n"), message);
        }
    }

    /** What oneMKL inside PyTorch says its code path is, in a fresh JVM whose environment has MKL_CBWR = {@code value} (null: unset). */
    private static int mklBranchIn(String value) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "--enable-native-access=ALL-UNNAMED", "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                Probe.class.getName()));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        Map<String, String> env = builder.environment();
        env.remove(MKL_CBWR);
        if (value != null) {
            env.put(MKL_CBWR, value);
        }
        Process p = builder.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), out);
        assertEquals(0, p.exitValue(), out);
        String last = out.strip().lines().reduce((a, b) -> b).orElse("");
        return Integer.parseInt(last.replace("branch ", ""));
    }

    /** Starts PyTorch as the backends do and asks oneMKL (mkl_cbwr_get, exported by libtorch_cpu) for its code path. */
    public static final class Probe {
        public static void main(String[] args) throws Throwable {
            PyTorchNatives.engine();
            MethodHandle get = Linker.nativeLinker().downcallHandle(SymbolLookup.loaderLookup().find("mkl_serv_cbwr_get").orElseThrow(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT));
            int branch = (int) get.invokeExact(MKL_CBWR_BRANCH);
            System.out.println("branch " + branch);
        }
    }
}
