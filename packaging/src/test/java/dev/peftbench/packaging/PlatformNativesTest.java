package dev.peftbench.packaging;

import dev.peftbench.engine.tensor.djl.PyTorchNatives;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each platform DJL publishes PyTorch for gets its own native library from the build: the engine's dependency
 * set resolved (from Maven Central) as a build on that platform resolves it, by naming its profile.
 */
class PlatformNativesTest {

    static final Path ROOT = Path.of(System.getProperty("project.root", "..")).toAbsolutePath().normalize();

    @TempDir
    Path tmp;

    static List<String> platforms() {
        return PyTorchNatives.PUBLISHED;
    }

    @ParameterizedTest
    @MethodSource("platforms")
    void aBuildForEachPlatformResolvesThatPlatformsPyTorchLibrary(String platform) throws Exception {
        List<String> profiles = PyTorchNatives.PUBLISHED.stream().map(p -> (p.equals(platform) ? "" : "!") + "pytorch-" + p).toList();
        List<Path> natives = resolvedNatives(String.join(",", profiles));
        assertEquals(1, natives.size(), natives.toString());
        assertEquals(platform, classifierInside(natives.getFirst()), "the jar's own marker, as PyTorchNatives reads it");
    }

    @Test
    void theBuildingMachinesProfileIsActiveByItself() throws Exception {
        List<Path> natives = resolvedNatives(null);
        String host = PyTorchNatives.PUBLISHED.stream()
                .filter(p -> p.equals(dev.peftbench.packaging.TargetPlatform.host().os().replace("macos", "osx").replace("windows", "win")
                        + "-" + dev.peftbench.packaging.TargetPlatform.host().arch().replace("x64", "x86_64")))
                .findFirst().orElseThrow();
        assertEquals(1, natives.size(), natives.toString());
        assertEquals(host, classifierInside(natives.getFirst()));
    }

    /** The pytorch-native-cpu jars the engine's dependency set holds with {@code profiles} named (null: none named). */
    private List<Path> resolvedNatives(String profiles) throws IOException, InterruptedException {
        Path listed = tmp.resolve("dependencies-" + (profiles == null ? "host" : profiles.hashCode()) + ".txt");
        List<String> command = new ArrayList<>(List.of(ROOT.resolve("mvnw").toString(), "-B", "-q", "-f", ROOT.resolve("pom.xml").toString(),
                "-pl", "engine", "dependency:list", "-DincludeArtifactIds=pytorch-native-cpu", "-DoutputAbsoluteArtifactFilename=true",
                "-DoutputFile=" + listed));
        if (profiles != null) {
            command.add("-P" + profiles);
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(tmp.resolve("mvn.log").toFile()).start();
        try {
            assertTrue(p.waitFor(600, TimeUnit.SECONDS), "dependency resolution did not end");
        } finally {
            p.destroyForcibly();
        }
        assertEquals(0, p.exitValue(), Files.readString(tmp.resolve("mvn.log")));
        // Lines as "ai.djl.pytorch:pytorch-native-cpu:jar:osx-aarch64:2.7.1:compile:/root/.m2/.../x.jar"
        return Files.readAllLines(listed).stream().map(String::strip).filter(l -> l.startsWith("ai.djl.pytorch:pytorch-native-cpu:"))
                .map(l -> Path.of(l.substring(l.indexOf(":/") + 1).replaceFirst(" -- .*$", ""))).toList();
    }

    private static String classifierInside(Path jar) throws IOException {
        try (ZipFile zip = new ZipFile(jar.toFile()); InputStream in = zip.getInputStream(zip.getEntry("native/lib/pytorch.properties"))) {
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("classifier");
        }
    }
}
