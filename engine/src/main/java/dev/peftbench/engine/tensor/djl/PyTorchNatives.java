package dev.peftbench.engine.tensor.djl;

import dev.peftbench.engine.EngineException;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Locale;
import java.util.Properties;

/**
 * PyTorch's native library in this process: whether the build carries it for the platform the process runs
 * on, and the environment it must find when it loads. Every use of PyTorch (the djl backend, training) starts
 * it through {@link #engine()}, so a missing library is one sentence and the environment is set for every
 * launcher alike (./peftbench, the installed app, the runtime image, the tests).
 */
public final class PyTorchNatives {
    /** The platforms DJL publishes {@code pytorch-native-cpu} 2.7.1 for, in its classifiers' words. */
    public static final List<String> PUBLISHED = List.of("linux-x86_64", "linux-aarch64", "osx-aarch64", "win-x86_64");
    /** What DJL's native jar carries to say which platform its library is for. */
    private static final String MARKER = "native/lib/pytorch.properties";

    private static boolean prepared;

    private PyTorchNatives() {
    }

    /**
     * DJL's PyTorch engine, its native library loaded with the environment {@link PyTorchEnvironment} chooses; one
     * sentence when it cannot be.
     */
    public static synchronized ai.djl.engine.Engine engine() {
        if (!prepared) {
            String problem = problem(marker(), platform(System.getProperty("os.name", ""), System.getProperty("os.arch", "")));
            if (problem != null) {
                throw EngineException.invalid(problem);
            }
            PyTorchEnvironment.apply();
            prepared = true;
        }
        try {
            return ai.djl.engine.Engine.getEngine("PyTorch");
        } catch (RuntimeException | UnsatisfiedLinkError e) {
            throw EngineException.loadFailed("PyTorch's native library did not load: " + e.getMessage(), e);
        }
    }

    /** DJL's name for a platform: linux-x86_64, osx-aarch64, win-x86_64, ... */
    static String platform(String osName, String osArch) {
        String os = osName.toLowerCase(Locale.ROOT);
        String family = os.startsWith("mac") ? "osx" : os.startsWith("windows") ? "win" : os.startsWith("linux") ? "linux" : os;
        String arch = switch (osArch.toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> "x86_64";
            case "aarch64", "arm64" -> "aarch64";
            default -> osArch;
        };
        return family + "-" + arch;
    }

    /**
     * Why PyTorch cannot run on {@code platform} with the native jar whose marker is {@code marker} (null: no
     * native jar in this build), or null when it can.
     */
    static String problem(Properties marker, String platform) {
        String published = PUBLISHED.contains(platform)
                ? "this build did not include it (build on " + platform + " itself: the build picks the library of the machine it runs on)"
                : "PyTorch publishes no CPU library for " + platform + " (only for " + String.join(", ", PUBLISHED) + ")";
        if (marker == null) {
            return "tune and the djl backend need PyTorch's native library, which is not here for " + platform + ": " + published
                    + "; generation and serving run without it on the cpu backend";
        }
        String carried = marker.getProperty("classifier", "");
        if (!carried.equals(platform)) {
            return "tune and the djl backend need PyTorch's native library for " + platform + ", but this build carries the one for "
                    + carried + ": " + published + "; generation and serving run without it on the cpu backend";
        }
        return null;
    }

    private static Properties marker() {
        try (InputStream in = PyTorchNatives.class.getClassLoader().getResourceAsStream(MARKER)) {
            if (in == null) {
                return null;
            }
            Properties p = new Properties();
            p.load(in);
            return p;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + MARKER, e);
        }
    }
}
