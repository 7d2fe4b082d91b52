package dev.peftbench.packaging;

import dev.peftbench.cli.PeftbenchCli;
import dev.peftbench.publish.image.RuntimeImageBuilder;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code ./peftbench package}: the installable app for the machine that builds it. A runtime linked with
 * jlink from the running JDK (only the modules {@link RuntimeModules} finds), the app's jars, the bundled
 * sample and the list of the server's jars ({@code image} reads it) in a jpackage app image whose launcher
 * {@code bin/peftbench} runs {@link PeftbenchCli} with the launcher's JVM options ({@link TargetPlatform#javaOptions});
 * then the archive and installers users of this OS expect.
 */
public final class Packager {

    static final String NAME = "peftbench";
    static final String DESCRIPTION = "Test, tune, serve and publish PEFT adapters for Hugging Face causal language models";
    static final String VENDOR = "PEFT Workbench";
    /** Under /opt (jpackage's --install-dir for Linux packages): the app lands in /opt/peftbench. */
    static final String LINUX_INSTALL_DIR = "/opt";

    private final PackageJob job;
    private final TargetPlatform platform;

    Packager(PackageJob job, TargetPlatform platform) {
        this.job = job;
        this.platform = platform;
    }

    public static void main(String[] args) throws Exception {
        TargetPlatform platform = TargetPlatform.host();
        new Packager(PackageJob.parse(args, platform), platform).run();
    }

    void run() throws IOException, InterruptedException {
        deleteTree(job.work());
        Path input = Files.createDirectories(job.work().resolve("input"));
        List<Path> jars = copyJars(classpath(job.appClasspath()), input);
        if (!Files.isRegularFile(input.resolve(job.mainJar()))) {
            throw new IllegalStateException("the main jar " + job.mainJar() + " is not on the app's classpath " + job.appClasspath());
        }
        writeServerClasspath(input);
        copySample(input.resolve("sample-data"));

        Path runtime = job.work().resolve("runtime");
        List<String> modules = RuntimeModules.of(input.resolve(job.mainJar()), jars);
        System.out.println("packaging: runtime modules " + String.join(",", modules));
        Tools.jdk("jlink", List.of("--add-modules", String.join(",", modules), "--strip-debug", "--no-header-files",
                "--no-man-pages", "--generate-cds-archive", "--output", runtime.toString()));

        Path images = job.work().resolve("image");
        List<String> appImage = new ArrayList<>(List.of("--type", "app-image", "--dest", images.toString(),
                "--input", input.toString(), "--main-jar", job.mainJar(), "--main-class", PeftbenchCli.class.getName(),
                "--runtime-image", runtime.toString()));
        appImage.addAll(common());
        for (String option : platform.javaOptions()) {
            appImage.addAll(List.of("--java-options", option));
        }
        if (platform.os().equals("windows")) {
            // Commands print to the terminal they were typed in, as on Linux.
            appImage.add("--win-console");
        }
        Tools.jdk("jpackage", appImage);
        Path image = images.resolve(platform.os().equals("macos") ? NAME + ".app" : NAME);
        stamp(image);
        aheadOfTimeCache(image);
        System.out.printf("packaging: app image %s (%d MB)%n", image, size(image) >> 20);

        Files.createDirectories(job.dest());
        for (String type : job.types()) {
            switch (type) {
                case "app-image" -> { }
                case "tar" -> tar(images, image.getFileName().toString());
                default -> installer(type, image);
            }
        }
    }

    /**
     * The JVM's ahead-of-time cache (JEP 483/514, JDK 25+: classes loaded and linked by a training run) in the app's
     * folder, which the launcher names: {@code generate} on the bundled sample, from a fresh home, trains it. About
     * 0.6x the wall time of {@code generate} without it (docs/install.md). The cache holds paths relative to the app,
     * so the image may move (tarball, /opt); a cache the JVM cannot use is ignored.
     */
    private void aheadOfTimeCache(Path image) throws IOException, InterruptedException {
        if (Runtime.version().feature() < 25) {
            System.out.println("packaging: no ahead-of-time cache (needs JDK 25+, this is " + Runtime.version() + ")");
            return;
        }
        Path config = platform.launcherConfig(image, NAME);
        String options = Files.readString(config);
        String use = "java-options=-XX:AOTCache=$APPDIR/" + AOT_CACHE;
        String train = "java-options=-XX:AOTCacheOutput=$APPDIR/" + AOT_CACHE;
        Path home = Files.createDirectories(job.work().resolve("training-home"));
        Files.writeString(config, afterLastJavaOption(options, train));
        try {
            Tools.process(home, Map.of("HOME", home.toString()), List.of(platform.launcher(image, NAME).toString(), "generate",
                    "--prompt", TRAINING_PROMPT));
        } finally {
            Files.writeString(config, afterLastJavaOption(options, use));
        }
    }

    /**
     * Every file of the image dated {@link #timestamp}: the AOT cache records its jars' times and is refused (with
     * errors on stderr) when they differ, and jpackage copies the image into a .deb with new times; dpkg-deb clamps
     * them to SOURCE_DATE_EPOCH, which {@link #installer} sets to the same instant.
     */
    private void stamp(Path image) throws IOException {
        FileTime time = FileTime.from(timestamp);
        try (Stream<Path> files = Files.walk(image)) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.setLastModifiedTime(file, time);
            }
        }
    }

    /** The build's one timestamp: SOURCE_DATE_EPOCH when the environment sets one (reproducible builds), else now. */
    private final Instant timestamp = System.getenv("SOURCE_DATE_EPOCH") != null
            ? Instant.ofEpochSecond(Long.parseLong(System.getenv("SOURCE_DATE_EPOCH").strip()))
            : Instant.now().truncatedTo(ChronoUnit.SECONDS);

    static final String AOT_CACHE = "peftbench.aot";
    /** The README's first prompt: what a first run does. */
    static final String TRAINING_PROMPT = "Every day is a new binning, filled with optionpiening and hope";

    /** {@code config} (jpackage's launcher file) with {@code line} after its last JVM option. */
    static String afterLastJavaOption(String config, String line) {
        int last = config.lastIndexOf("\njava-options=");
        if (last < 0) {
            throw new IllegalStateException("the launcher's configuration has no java-options to add to:\n" + config);
        }
        int end = config.indexOf('\n', last + 1);
        end = end < 0 ? config.length() : end;
        return config.substring(0, end) + "\n" + line + config.substring(end);
    }

    /** What every jpackage run says about the app. */
    private List<String> common() {
        List<String> args = new ArrayList<>(List.of("--name", NAME, "--app-version", job.numericVersion(),
                "--description", DESCRIPTION, "--vendor", VENDOR));
        if (platform.linux()) {
            // jpackage wants .ico on Windows and .icns on macOS; those builds keep its default icon.
            args.addAll(List.of("--icon", job.icon().toString()));
        }
        return args;
    }

    private static List<Path> classpath(Path file) throws IOException {
        return Stream.of(Files.readString(file).strip().split(File.pathSeparator)).filter(s -> !s.isBlank()).map(Path::of).toList();
    }

    /** The jars side by side under their file names; two different jars of one name would shadow each other. */
    private static List<Path> copyJars(List<Path> classpath, Path input) throws IOException {
        Map<String, Path> byName = new LinkedHashMap<>();
        for (Path jar : classpath) {
            if (!Files.isRegularFile(jar) || !jar.getFileName().toString().endsWith(".jar")) {
                throw new IllegalStateException(jar + " is not a jar: build the app with `package` so every module is one");
            }
            Path earlier = byName.putIfAbsent(jar.getFileName().toString(), jar);
            if (earlier != null && Files.mismatch(earlier, jar) != -1) {
                throw new IllegalStateException("two jars named " + jar.getFileName() + ": " + earlier + " and " + jar);
            }
        }
        List<Path> copied = new ArrayList<>();
        for (Path jar : byName.values()) {
            copied.add(Files.copy(jar, input.resolve(jar.getFileName()), StandardCopyOption.COPY_ATTRIBUTES));
        }
        return copied;
    }

    /** The server's jars by file name ({@link RuntimeImageBuilder#INSTALLED_CLASSPATH}), each one the app already has. */
    private void writeServerClasspath(Path input) throws IOException {
        List<String> names = new ArrayList<>(List.of(job.serverJar()));
        classpath(job.serverClasspath()).forEach(p -> names.add(p.getFileName().toString()));
        for (String name : names) {
            if (!Files.isRegularFile(input.resolve(name))) {
                throw new IllegalStateException("the server's " + name + " is not among the app's jars");
            }
        }
        Files.write(input.resolve(RuntimeImageBuilder.INSTALLED_CLASSPATH), names);
    }

    /** The bundled model, adapters and example data, laid out as in a checkout (BundledSample reads peftbench.home/sample-data). */
    private void copySample(Path target) throws IOException {
        try (Stream<Path> files = Files.walk(job.sample())) {
            for (Path from : files.toList()) {
                Path relative = job.sample().relativize(from);
                if (relative.toString().equals("pom.xml") || relative.startsWith("target")) {
                    continue;
                }
                Path to = target.resolve(relative.toString());
                if (Files.isDirectory(from)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(from, to);
                }
            }
        }
    }

    /** {@code dest/peftbench-<version>-<os>-<arch>.tar.gz}, holding the image's folder. */
    private void tar(Path images, String folder) throws IOException, InterruptedException {
        Path archive = job.dest().resolve(NAME + "-" + job.version() + "-" + platform.label() + ".tar.gz");
        Files.deleteIfExists(archive);
        Tools.process(images, Map.of(), List.of("tar", "-czf", archive.toString(), folder));
        System.out.printf("packaging: %s (%d MB)%n", archive, Files.size(archive) >> 20);
    }

    /** An installer of {@code type} from the app image, with this platform's resources (Linux: desktop entry, PATH). */
    private void installer(String type, Path image) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jpackage").toString(),
                "--type", type, "--app-image", image.toString(), "--dest", job.dest().toString()));
        command.addAll(common());
        Path resources = job.resources().resolve(platform.os());
        if (Files.isDirectory(resources)) {
            command.addAll(List.of("--resource-dir", resources.toString()));
        }
        Map<String, String> env = new LinkedHashMap<>();
        switch (platform.os()) {
            case "linux" -> {
                command.addAll(List.of("--install-dir", LINUX_INSTALL_DIR, "--linux-shortcut", "--linux-app-category", "science",
                        "--linux-menu-group", "Development;Science;",
                        // JavaFX's natives (inside its jars, so jpackage cannot see them) need GTK 3 and OpenGL.
                        "--linux-package-deps", "libgtk-3-0 | libgtk-3-0t64, libgl1"));
                // dpkg-deb's default xz spends minutes on ~300 MB of mostly compressed jars; gzip takes seconds and
                // every dpkg reads it. A compressor named in the environment wins.
                if (System.getenv("DPKG_DEB_COMPRESSOR_TYPE") == null) {
                    env.put("DPKG_DEB_COMPRESSOR_TYPE", "gzip");
                }
                // The files keep the image's times (see stamp), which the AOT cache checks.
                env.put("SOURCE_DATE_EPOCH", String.valueOf(timestamp.getEpochSecond()));
            }
            case "windows" -> command.addAll(List.of("--win-menu", "--win-shortcut", "--win-dir-chooser", "--win-per-user-install"));
            case "macos" -> command.addAll(List.of("--mac-package-identifier", "dev.peftbench.workbench", "--mac-package-name",
                    "PEFT Workbench"));
            default -> { }
        }
        Tools.process(job.work(), env, command);
    }

    private static long size(Path tree) throws IOException {
        try (Stream<Path> files = Files.walk(tree)) {
            return files.filter(Files::isRegularFile).mapToLong(p -> {
                try {
                    return Files.size(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            }).sum();
        }
    }

    private static void deleteTree(Path tree) throws IOException {
        if (!Files.exists(tree)) {
            return;
        }
        try (Stream<Path> files = Files.walk(tree)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
