package dev.peftbench.packaging;

import dev.peftbench.contract.RuntimeContract;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The machine the app is packaged for, which is the one building it (jpackage builds for its host only).
 *
 * @param os   linux, macos or windows
 * @param arch x64 or aarch64, as release archives name them
 * @param osName the JVM's {@code os.name}
 */
record TargetPlatform(String os, String arch, String osName) {

    static TargetPlatform host() {
        String osName = System.getProperty("os.name", "");
        String lower = osName.toLowerCase(Locale.ROOT);
        String os = lower.startsWith("mac") ? "macos" : lower.startsWith("windows") ? "windows" : "linux";
        String arch = switch (System.getProperty("os.arch", "").toLowerCase(Locale.ROOT)) {
            case "amd64", "x86_64" -> "x64";
            case "aarch64", "arm64" -> "aarch64";
            default -> System.getProperty("os.arch");
        };
        return new TargetPlatform(os, arch, osName);
    }

    boolean linux() {
        return os.equals("linux");
    }

    /** The archive name's platform part: linux-x64, macos-aarch64, windows-x64. */
    String label() {
        return os + "-" + arch;
    }

    /** Where jpackage puts the launcher in an app image of this platform. */
    Path launcher(Path image, String name) {
        return switch (os) {
            case "macos" -> image.resolve("Contents").resolve("MacOS").resolve(name);
            case "windows" -> image.resolve(name + ".exe");
            default -> image.resolve("bin").resolve(name);
        };
    }

    /** The launcher's configuration (its JVM options among them) in an app image of this platform. */
    Path launcherConfig(Path image, String name) {
        return switch (os) {
            case "macos" -> image.resolve("Contents").resolve("app").resolve(name + ".cfg");
            case "windows" -> image.resolve("app").resolve(name + ".cfg");
            default -> image.resolve("lib").resolve("app").resolve(name + ".cfg");
        };
    }

    /** What {@code ./peftbench package} makes here unless told: the app image, and what users of this OS install. */
    List<String> defaultTypes() {
        return switch (os) {
            case "linux" -> List.of("app-image", "tar", "deb");
            case "macos" -> List.of("app-image", "tar", "dmg");
            default -> List.of("app-image", "msi");
        };
    }

    /**
     * The launcher's JVM options: the same as the server's ({@link RuntimeContract#jvmOptions}, huge pages only
     * where they exist), the app's folder as {@code peftbench.home} (the bundled sample, the server's jars), each a
     * single argument as jpackage's {@code --java-options} wants ({@code --add-modules=x}).
     */
    List<String> javaOptions() {
        List<String> options = new ArrayList<>();
        List<String> contract = RuntimeContract.jvmOptions(osName);
        for (int i = 0; i < contract.size(); i++) {
            String option = contract.get(i);
            if (option.equals("--add-modules") && i + 1 < contract.size()) {
                options.add(option + "=" + contract.get(++i));
            } else {
                options.add(option);
            }
        }
        // jpackage's launcher replaces $APPDIR with the folder of the app's jars (lib/app on Linux).
        options.add("-Dpeftbench.home=$APPDIR");
        return options;
    }
}
