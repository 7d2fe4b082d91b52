package dev.peftbench.packaging;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PackagerTest {

    @Test
    void theLaunchersOptionsAreTheContractsEachOneArgumentWithTheAppsFolderAsHome() {
        List<String> linux = new TargetPlatform("linux", "x64", "Linux").javaOptions();
        assertEquals(List.of("--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-XX:+UseTransparentHugePages",
                "-Dai.djl.offline=true", "-Dpeftbench.home=$APPDIR"), linux);
        assertFalse(new TargetPlatform("windows", "x64", "Windows 11").javaOptions().contains("-XX:+UseTransparentHugePages"));
    }

    @Test
    void anOptionGoesAfterTheLauncherConfigsLastJavaOption() {
        String config = "[Application]\napp.mainclass=x\n\n[JavaOptions]\njava-options=-Da=1\njava-options=-Db=2\n";
        assertEquals("[Application]\napp.mainclass=x\n\n[JavaOptions]\njava-options=-Da=1\njava-options=-Db=2\njava-options=-Dc=3\n",
                Packager.afterLastJavaOption(config, "java-options=-Dc=3"));
        assertThrows(IllegalStateException.class, () -> Packager.afterLastJavaOption("[Application]\n", "java-options=-Dc=3"));
    }

    @Test
    void jpackageGetsTheVersionsNumbers() {
        assertEquals("0.1.0", job("0.1.0-SNAPSHOT").numericVersion());
        assertEquals("2.3", job("2.3").numericVersion());
        assertThrows(IllegalArgumentException.class, () -> job("snapshot").numericVersion());
    }

    @Test
    void eachPlatformsLauncherIsWhereJpackagePutsIt() {
        Path image = Path.of("/img");
        assertEquals(Path.of("/img/bin/peftbench"), new TargetPlatform("linux", "x64", "Linux").launcher(image, "peftbench"));
        assertEquals(Path.of("/img/Contents/MacOS/peftbench"), new TargetPlatform("macos", "aarch64", "Mac OS X").launcher(image, "peftbench"));
        assertTrue(new TargetPlatform("windows", "x64", "Windows 11").launcherConfig(image, "peftbench").endsWith("app/peftbench.cfg"));
    }

    private static PackageJob job(String version) {
        Path p = Path.of("/x");
        return new PackageJob(version, p, "cli.jar", p, "serve.jar", p, p, p, p, p, List.of("app-image"));
    }
}
