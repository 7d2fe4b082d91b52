package dev.peftbench.packaging;

import dev.peftbench.publish.image.BaseImages;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The app image the package phase built, as a user meets it: its own launcher, run from an empty folder inside
 * a decoy checkout, HOME elsewhere, and an environment without JAVA_HOME, java or Maven on the PATH.
 */
class InstalledAppTest {

    static final Path IMAGE = Path.of(System.getProperty("package.work", "target/package"), "image", Packager.NAME).toAbsolutePath();
    static final Path LAUNCHER = IMAGE.resolve("bin").resolve(Packager.NAME);
    static final Path APP = IMAGE.resolve("lib").resolve("app");
    static final String PROMPT = "Every day is a new binning, filled with optionpiening and hope";

    @TempDir
    static Path tmp;
    static Path checkout;
    static Path work;
    static Path home;
    static Path path;

    /** What the command did. */
    record Run(int code, String out, String err) {
    }

    @BeforeAll
    static void aUsersMachine() throws IOException {
        assertTrue(Files.isExecutable(LAUNCHER), "no app image at " + IMAGE + ": the package phase builds it");
        // A checkout around the working folder whose sample model is broken: walking up from the working folder
        // would find it, and generate would fail on its config.json.
        checkout = tmp.resolve("checkout");
        Path decoy = Files.createDirectories(checkout.resolve("sample-data").resolve("models").resolve("tiny-bloom"));
        Files.writeString(decoy.resolve("config.json"), "{ not a model");
        work = Files.createDirectories(checkout.resolve("empty"));
        home = Files.createDirectories(tmp.resolve("home"));
        // An empty folder: neither java nor mvn is found on this PATH.
        path = Files.createDirectories(tmp.resolve("bin"));
    }

    static Run run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(LAUNCHER.toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile());
        Map<String, String> env = builder.environment();
        env.clear();
        env.put("PATH", path.toString());
        env.put("HOME", home.toString());
        env.put("LANG", "C.UTF-8");
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        Process p = builder.redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            assertTrue(p.waitFor(300, TimeUnit.SECONDS), String.join(" ", args) + " did not end: " + Files.readString(err));
        } finally {
            p.destroyForcibly();
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    }

    @Test
    void generateAnswersTheReadmesFirstPromptWithTheImagesOwnSample() throws Exception {
        Run r = run("generate", "--prompt", PROMPT);
        assertEquals(0, r.code(), r.err());
        assertEquals("Tweet text : " + PROMPT + " Label : no complaint", r.out().strip());
        Path sample = APP.resolve("sample-data").resolve("models");
        assertTrue(r.err().contains("using the bundled sample " + sample.resolve("tiny-bloom") + " with adapter "
                + sample.resolve("tiny-bloom-prompt-tuning")), r.err());
        // The launcher enables native access (the tokenizer's and the engine's native calls warn otherwise), and the
        // JVM took its ahead-of-time cache without a word (it warns when the cache does not fit).
        assertFalse(r.err().contains("restricted method") || r.err().contains("[warning]") || r.err().contains("[error]"), r.err());
        assertTrue(Files.isRegularFile(APP.resolve(Packager.AOT_CACHE)));
    }

    @Test
    void versionNamesTheBuildAndTheImagesOwnRuntime() throws Exception {
        Run r = run("--version");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("peftbench " + System.getProperty("project.version") + " (commit "), r.out());
        assertTrue(r.out().contains(" at " + IMAGE.resolve("lib").resolve("runtime") + ","), "the image's own Java: " + r.out());
    }

    @Test
    void tuneTrainsWithThePyTorchLibraryInsideTheImage() throws Exception {
        Path adapter = tmp.resolve("tuned");
        Run r = run("tune", "--data", APP.resolve("sample-data").resolve("tweet-complaints.csv").toString(), "--out", adapter.toString(),
                "--max-steps", "2");
        assertEquals(0, r.code(), r.err());
        assertTrue(Files.size(adapter.resolve("adapter_model.safetensors")) > 0);
    }

    @Test
    void imageBuildsTheServersRuntimeImageFromTheInstalledApp() throws Exception {
        Path tar = tmp.resolve("runtime-image.tar");
        // A local base with a Java (as a docker save tarball): no registry, and the image command checks a base has one.
        Path base = BaseImages.javaBase(Files.createDirectories(tmp.resolve("base")));
        Run r = run("image", "--to", "registry.example/peft-workbench:test", "--base", base.toString(), "--tar", tar.toString());
        assertEquals(0, r.code(), r.err());
        // The server's jars only: serve and the engine, no workbench (JavaFX) and no command line root.
        List<String> layers = new ArrayList<>();
        try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(Files.newInputStream(tar))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                if (e.getName().endsWith(".tar.gz")) {
                    layers.add(listLayer(in.readAllBytes()));
                }
            }
        }
        String files = String.join("\n", layers);
        assertTrue(files.contains("app/libs/serve-") && files.contains("app/libs/engine-"), files);
        assertFalse(files.contains("javafx") || files.contains("app/libs/cli-") || files.contains("app/libs/app-ui-"), files);
    }

    @Test
    void theDebInstallsTheSameAppUnderOptWithItsDesktopEntryAndPath() throws Exception {
        Path deb;
        try (var files = Files.list(Path.of(System.getProperty("package.dest")))) {
            deb = files.filter(f -> f.getFileName().toString().matches(Packager.NAME + "_.*\\.deb")).findFirst().orElse(null);
        }
        org.junit.jupiter.api.Assumptions.assumeTrue(deb != null, "no .deb built (-Dpackage.types without deb)");
        Path root = tmp.resolve("deb");
        Path control = tmp.resolve("deb-control");
        Tools.process(tmp, Map.of(), List.of("dpkg-deb", "-x", deb.toString(), root.toString()));
        Tools.process(tmp, Map.of(), List.of("dpkg-deb", "-e", deb.toString(), control.toString()));
        Path installed = root.resolve("opt").resolve(Packager.NAME);
        assertEquals(Files.size(APP.resolve("serve-" + System.getProperty("project.version") + ".jar")),
                Files.size(installed.resolve("lib/app/serve-" + System.getProperty("project.version") + ".jar")));
        String entry = Files.readString(installed.resolve("lib").resolve(Packager.NAME + "-" + Packager.NAME + ".desktop"));
        assertTrue(entry.contains("Exec=/opt/peftbench/bin/peftbench") && entry.contains("Icon=/opt/peftbench/lib/peftbench.png")
                && entry.contains("Categories=Science;ArtificialIntelligence;"), entry);
        Path validate = Path.of("/usr/bin/desktop-file-validate");
        if (Files.isExecutable(validate)) {
            // Silent when the entry is valid, without so much as a hint.
            Process p = new ProcessBuilder(validate.toString(), installed.resolve("lib/peftbench-peftbench.desktop").toString())
                    .redirectErrorStream(true).start();
            String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0 && said.isBlank(), said);
        }
        assertTrue(Files.isRegularFile(installed.resolve("lib/peftbench.png")));
        assertTrue(Files.readString(control.resolve("postinst")).contains(
                "update-alternatives --install /usr/bin/peftbench peftbench /opt/peftbench/bin/peftbench"));
        assertTrue(Files.readString(control.resolve("prerm")).contains("update-alternatives --remove peftbench /opt/peftbench/bin/peftbench"));
        assertTrue(Files.readString(control.resolve("control")).contains("libgtk-3-0"));
        // Installed, it runs as the image does: its AOT cache fits the jars (their times survived the packing).
        List<String> generate = List.of(installed.resolve("bin").resolve(Packager.NAME).toString(), "generate", "--prompt", PROMPT);
        ProcessBuilder builder = new ProcessBuilder(generate).directory(work.toFile()).redirectErrorStream(true);
        builder.environment().clear();
        builder.environment().putAll(Map.of("PATH", path.toString(), "HOME", home.toString()));
        Process p = builder.start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(300, TimeUnit.SECONDS) && p.exitValue() == 0, said);
        assertTrue(said.contains("Label : no complaint") && !said.contains("[warning]") && !said.contains("[error"), said);
    }

    private static String listLayer(byte[] gzippedTar) throws IOException {
        StringBuilder names = new StringBuilder();
        try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
                new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(gzippedTar)))) {
            for (var e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                names.append(e.getName()).append('\n');
            }
        }
        return names.toString();
    }
}
