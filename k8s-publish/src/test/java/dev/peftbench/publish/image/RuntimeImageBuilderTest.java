package dev.peftbench.publish.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import dev.peftbench.contract.RuntimeContract;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.zip.GZIPOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import dev.peftbench.publish.image.BaseImages.Entry;

import static dev.peftbench.publish.image.BaseImages.dockerSave;
import static dev.peftbench.publish.image.BaseImages.javaBase;
import static dev.peftbench.publish.image.BaseImages.ociLayout;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Builds a real image tarball from scratch layers (no network, no daemon) and reads its config back. */
class RuntimeImageBuilderTest {

    /** Every file of a tar, by name. */
    private static Map<String, byte[]> untar(InputStream in) throws IOException {
        Map<String, byte[]> files = new HashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                if (e.isFile()) {
                    files.put(e.getName(), tar.readAllBytes());
                }
            }
        }
        return files;
    }

    private static Path file(Path dir, String name) throws IOException {
        Path p = dir.resolve(name);
        Files.createDirectories(p.getParent());
        Files.writeString(p, name);
        return p;
    }

    private static List<Path> classpath(Path tmp) throws IOException {
        Path classes = tmp.resolve("serve/target/classes");
        file(classes, "dev/peftbench/serve/cli/RuntimeMain.class");
        return List.of(classes, file(tmp, "libs/engine-0.1.0-SNAPSHOT.jar"));
    }

    private static IllegalArgumentException refusedBase(Path tmp, String base) throws IOException {
        List<Path> cp = classpath(tmp);
        return assertThrows(IllegalArgumentException.class, () -> RuntimeImageBuilder.build(new ImageSpec("r.example/x:1", base,
                tmp.resolve("out.tar"), null, cp, null, null, null), e -> { }));
    }

    @Test
    void scratchOrABaseWithoutJavaOnItsPathIsRefusedSayingWhatItNeeds(@TempDir Path tmp) throws IOException {
        IllegalArgumentException scratch = refusedBase(tmp, "scratch");
        assertTrue(scratch.getMessage().contains("holds no Java") && scratch.getMessage().contains(ImageSpec.DEFAULT_BASE),
                scratch.getMessage());
        Path noJava = dockerSave(tmp.resolve("busybox-like.tar"), "/usr/bin:/bin", List.of(Entry.file("bin/sh", "#!", 0755),
                Entry.file("opt/java/bin/java", "not on the PATH", 0755)));
        IllegalArgumentException e = refusedBase(tmp, noJava.toString());
        assertTrue(e.getMessage().contains("no executable java on its PATH (/usr/bin:/bin)"), e.getMessage());
        assertFalse(Files.exists(tmp.resolve("out.tar")), "nothing is written for a refused base");
    }

    @Test
    void aBaseWithAnOlderJavaIsRefused(@TempDir Path tmp) throws IOException {
        Path old = dockerSave(tmp.resolve("jre17.tar"), "/opt/java/openjdk/bin", List.of(
                Entry.file("opt/java/openjdk/bin/java", "#!", 0755),
                Entry.file("opt/java/openjdk/release", "JAVA_VERSION=\"17.0.12\"\n", 0644)));
        IllegalArgumentException e = refusedBase(tmp, old.toString());
        assertTrue(e.getMessage().contains("holds Java 17") && e.getMessage().contains("needs Java 22 or newer"), e.getMessage());
    }

    @Test
    void anOciLayoutBaseWithJavaBehindSymbolicLinksBuildsOffline(@TempDir Path tmp) throws IOException {
        // distroless-like: /usr/bin/java -> /etc/alternatives/java -> the JRE, and /bin a link to usr/bin
        Path base = ociLayout(Files.createDirectories(tmp.resolve("distroless-like")), "/bin", List.of(
                Entry.symlink("bin", "usr/bin"),
                Entry.symlink("usr/bin/java", "/etc/alternatives/java"),
                Entry.symlink("etc/alternatives/java", "../../usr/lib/jvm/jre-25/bin/java"),
                Entry.file("usr/lib/jvm/jre-25/bin/java", "#!", 0755),
                Entry.file("usr/lib/jvm/jre-25/release", "JAVA_VERSION=\"25\"\n", 0644)));
        List<ImageEvent> events = new ArrayList<>();
        String digest = RuntimeImageBuilder.build(new ImageSpec("r.example/x:1", base.toString(), tmp.resolve("out.tar"), null,
                classpath(tmp), null, null, null), events::add);
        assertTrue(digest.startsWith("sha256:"), digest);
        assertTrue(events.stream().anyMatch(e -> e.message().contains("java at /usr/lib/jvm/jre-25/bin/java (Java 25)")),
                events.toString());
    }

    @Test
    void aRegistryThatDoesNotResolveFailsAtOnceSayingHowToBuildOffline(@TempDir Path tmp) throws IOException {
        List<Path> cp = classpath(tmp);
        // .invalid never resolves (RFC 6761)
        IllegalStateException base = assertThrows(IllegalStateException.class, () -> RuntimeImageBuilder.build(new ImageSpec(
                "r.example/x:1", "registry.invalid/temurin:25-jre", tmp.resolve("out.tar"), null, cp, null, null, null), e -> { }));
        assertTrue(base.getMessage().startsWith("cannot resolve registry.invalid, the registry of the base image")
                && base.getMessage().contains("--base FILE.tar (docker save) or an OCI layout folder"), base.getMessage());
        IllegalStateException target = assertThrows(IllegalStateException.class, () -> RuntimeImageBuilder.build(new ImageSpec(
                "registry.invalid/peft:1", javaBase(tmp).toString(), null, null, cp, null, null, null), e -> { }));
        assertTrue(target.getMessage().contains("registry.invalid, the registry of the target")
                && target.getMessage().contains("--tar FILE"), target.getMessage());
    }

    @Test
    void anInstalledAppNamesTheServersJarsInItsOwnFolder(@TempDir Path app) throws IOException {
        Files.createDirectories(app.resolve("serve/target"));
        Files.writeString(app.resolve("serve/target/runtime-classpath.txt"), "/elsewhere/not-this.jar");
        Files.writeString(app.resolve(RuntimeImageBuilder.INSTALLED_CLASSPATH), "serve-0.1.0.jar\nengine-0.1.0.jar\n\n");
        assertEquals(List.of(app.resolve("serve-0.1.0.jar"), app.resolve("engine-0.1.0.jar")), RuntimeImageBuilder.serverClasspath(app));
    }

    @Test
    void aCheckoutsServerIsServeTargetsClassesAndClasspath(@TempDir Path checkout) throws IOException {
        Files.createDirectories(checkout.resolve("serve/target"));
        Files.writeString(checkout.resolve("serve/target/runtime-classpath.txt"), "/m2/engine-0.1.0.jar" + java.io.File.pathSeparator + "/m2/jackson.jar\n");
        assertEquals(List.of(checkout.resolve("serve/target/classes"), Path.of("/m2/engine-0.1.0.jar"), Path.of("/m2/jackson.jar")),
                RuntimeImageBuilder.serverClasspath(checkout));
    }

    @Test
    void imageHoldsTheClasspathNativesAndModelWithServeAsEntrypoint(@TempDir Path tmp) throws IOException {
        Path classes = tmp.resolve("serve/target/classes");
        file(classes, "dev/peftbench/serve/cli/RuntimeMain.class");
        List<Path> classpath = List.of(classes, file(tmp, "libs/engine-0.1.0-SNAPSHOT.jar"), file(tmp, "libs/jackson-databind-2.21.1.jar"),
                file(tmp, "libs/pytorch-native-cpu-2.7.1-linux-x86_64.jar"));
        Path model = tmp.resolve("model");
        file(model, "config.json");
        Path tarball = tmp.resolve("image.tar");
        List<ImageEvent> events = new ArrayList<>();
        String digest = RuntimeImageBuilder.build(new ImageSpec("registry.example/peft-workbench:0.1", javaBase(tmp).toString(),
                tarball, "linux/amd64", classpath, model, null, "0.1.0"), events::add);
        assertTrue(digest.startsWith("sha256:"), digest);
        assertTrue(events.getLast().message().startsWith("wrote "), events.toString());

        Map<String, byte[]> image = untar(Files.newInputStream(tarball));
        JsonNode manifest = new ObjectMapper().readTree(image.get("manifest.json")).get(0);
        JsonNode config = new ObjectMapper().readTree(image.get(manifest.get("Config").asText())).get("config");
        List<String> entrypoint = new ArrayList<>();
        config.get("Entrypoint").forEach(n -> entrypoint.add(n.asText()));
        assertEquals(RuntimeContract.MAIN_CLASS, entrypoint.getLast());
        assertTrue(entrypoint.contains("-Dai.djl.offline=true") && entrypoint.contains("jdk.incubator.vector"), entrypoint.toString());
        String env = config.get("Env").toString();
        assertTrue(env.contains("MLSERVER_HTTP_PORT=8002") && env.contains("PRETRAINED_MODEL_PATH=/models/base"), env);
        assertTrue(env.contains("HF_HOME=/tmp/huggingface"), "a Hub cache the runtime's user can write: " + env);
        assertTrue(env.contains("PATH=/opt/java/openjdk/bin:/usr/bin:/bin"), "the base's PATH, where its java is: " + env);
        assertTrue(config.get("ExposedPorts").has("8001/tcp") && config.get("ExposedPorts").has("8085/tcp"));
        assertEquals(RuntimeImageBuilder.USER, config.get("User").asText());
        assertEquals("0.1.0", config.get("Labels").get("org.opencontainers.image.version").asText());

        // The base's layer, then one each: dependencies, natives, application, model; natives alone in theirs.
        List<List<String>> layers = new ArrayList<>();
        for (JsonNode layer : manifest.get("Layers")) {
            layers.add(new ArrayList<>(untar(new GZIPInputStream(new ByteArrayInputStream(image.get(layer.asText())))).keySet()));
        }
        assertEquals(5, layers.size(), layers.toString());
        assertEquals(List.of("opt/java/openjdk/bin/java", "opt/java/openjdk/release"), layers.getFirst().stream().sorted().toList());
        assertTrue(layers.stream().anyMatch(l -> l.equals(List.of("app/libs/pytorch-native-cpu-2.7.1-linux-x86_64.jar"))), layers.toString());
        assertTrue(layers.stream().anyMatch(l -> l.contains("app/classes-0/dev/peftbench/serve/cli/RuntimeMain.class")
                && l.contains("app/libs/engine-0.1.0-SNAPSHOT.jar")), layers.toString());
        assertTrue(layers.stream().anyMatch(l -> l.contains("models/base/config.json")), layers.toString());
    }

    @Test
    void missingClasspathSaysHowToBuildTheServer(@TempDir Path tmp) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new ImageSpec("r/x:1", "scratch",
                tmp.resolve("i.tar"), null, List.of(tmp.resolve("nope.jar")), null, null, null));
        assertTrue(e.getMessage().contains("./mvnw -pl serve -am package"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new ImageSpec("r/x:1", null, null, "amd64", List.of(tmp), null, null, null));
    }

    @Test
    void pinnedReferenceReplacesTheTagWithTheDigest() {
        assertEquals("registry.example:5000/team/peft@sha256:abc", RuntimeImageBuilder.pinned("registry.example:5000/team/peft:0.1", "sha256:abc"));
        assertEquals("peft@sha256:abc", RuntimeImageBuilder.pinned("peft", "sha256:abc"));
    }
}
