package dev.peftbench.engine.tensor.djl;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The environment PyTorch's CPU libraries read when they start, set by the process itself before DJL loads
 * them, so that every way the engine runs (the launcher, the tests, the runtime image, an installed app, an
 * IDE) computes alike without each having to export it: the one place these values are chosen. A variable
 * the user's environment already holds is left as it is.
 *
 * <p>Why these: PyTorch's CPU build links oneMKL (its matrix products) and dispatches its own kernels by
 * instruction set; left alone, both pick code paths by the CPU they run on, so a seeded tuning run repeats
 * on one machine but its rounding differs on another (the README sample's first loss was 28.37213300 where
 * it was made and 28.37212970 on an AMD EPYC, family 25). oneMKL's conditional numerical reproducibility
 * mode {@code COMPATIBLE} and ATen's {@code avx2} kernels are code paths every x86-64 CPU with AVX2 runs
 * the same; docs/tuning.md has the measurements and what stays machine-dependent (the number of threads).
 * ATen trusts the variable without asking the CPU, so {@code avx2} is set only where the CPU has AVX2 and
 * FMA (read from Linux's /proc/cpuinfo; elsewhere ATen picks by itself).
 */
public final class PyTorchEnvironment {

    private static final Logger LOG = LoggerFactory.getLogger(PyTorchEnvironment.class);

    private static final String ATEN_CPU_CAPABILITY = "ATEN_CPU_CAPABILITY";

    /** Each variable and the value the engine runs PyTorch with. */
    public static final Map<String, String> SETTINGS = settings();

    private static boolean applied;

    private PyTorchEnvironment() {
    }

    private static Map<String, String> settings() {
        Map<String, String> s = new LinkedHashMap<>();
        // oneMKL: the same code path, and so the same rounding, on every CPU (Intel's and AMD's alike)
        s.put("MKL_CBWR", "COMPATIBLE");
        // ATen's vectorised CPU kernels: AVX2's on every CPU, not AVX-512's where the CPU has it
        s.put(ATEN_CPU_CAPABILITY, "avx2");
        return Map.copyOf(s);
    }

    /**
     * Sets {@link #SETTINGS} in the process's native environment, each unless already set; before
     * PyTorch's libraries load, which read them once. Idempotent.
     */
    public static synchronized void apply() {
        if (applied) {
            return;
        }
        applied = true;
        boolean avx2 = cpuFlags().containsAll(Set.of("avx2", "fma"));
        for (Map.Entry<String, String> e : SETTINGS.entrySet()) {
            if (e.getKey().equals(ATEN_CPU_CAPABILITY) && !avx2) {
                // an instruction the CPU lacks would end the process
                continue;
            }
            setIfUnset(e.getKey(), e.getValue());
        }
    }

    /**
     * Sets {@code name} in the C library's environment, which native libraries read (Java's {@link System#getenv} is
     * a copy taken at start and offers no way to set one), unless it is set: a value the user set wins.
     */
    private static void setIfUnset(String name, String value) {
        if (System.getenv(name) != null) {
            return;
        }
        boolean windows = System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows");
        Optional<MethodHandle> set = windows
                ? function("_putenv_s", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS))
                : function("setenv", FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS, ValueLayout.ADDRESS,
                        ValueLayout.JAVA_INT));
        if (set.isEmpty()) {
            LOG.warn("could not set {}={} for PyTorch (no setenv here); set it in the environment for reproducible training",
                    name, value);
            return;
        }
        try (Arena arena = Arena.ofConfined()) {
            int status = windows
                    ? (int) set.get().invokeExact(arena.allocateFrom(name), arena.allocateFrom(value))
                    : (int) set.get().invokeExact(arena.allocateFrom(name), arena.allocateFrom(value), 0);
            if (status != 0) {
                LOG.warn("could not set {}={} for PyTorch (status {}); set it in the environment for reproducible training",
                        name, value, status);
            }
        } catch (Throwable t) {
            LOG.warn("could not set {}={} for PyTorch ({}); set it in the environment for reproducible training",
                    name, value, t.toString());
        }
    }

    /** The process's native value of {@code name} (what PyTorch's libraries read), or empty. */
    public static Optional<String> get(String name) {
        Optional<MethodHandle> getenv = function("getenv", FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS));
        if (getenv.isEmpty()) {
            return Optional.ofNullable(System.getenv(name));
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment value = (MemorySegment) getenv.get().invokeExact(arena.allocateFrom(name));
            return value.equals(MemorySegment.NULL) ? Optional.empty()
                    : Optional.of(value.reinterpret(Long.MAX_VALUE).getString(0));
        } catch (Throwable t) {
            return Optional.ofNullable(System.getenv(name));
        }
    }

    /** The CPU's feature flags as Linux lists them (/proc/cpuinfo's first "flags" line); empty elsewhere. */
    static Set<String> cpuFlags() {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        try (Stream<String> lines = Files.exists(cpuinfo) ? Files.lines(cpuinfo) : Stream.empty()) {
            return lines.filter(l -> l.startsWith("flags")).findFirst()
                    .map(l -> Stream.of(l.substring(l.indexOf(':') + 1).trim().split("\\s+")).collect(Collectors.toUnmodifiableSet()))
                    .orElse(Set.of());
        } catch (IOException | RuntimeException e) {
            return Set.of();
        }
    }

    private static Optional<MethodHandle> function(String name, FunctionDescriptor descriptor) {
        Linker linker = Linker.nativeLinker();
        return linker.defaultLookup().find(name).map(address -> linker.downcallHandle(address, descriptor));
    }
}
