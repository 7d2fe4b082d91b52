package dev.peftbench.publish.image;

import com.google.cloud.tools.jib.api.Containerizer;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.Jib;
import com.google.cloud.tools.jib.api.JibContainer;
import com.google.cloud.tools.jib.api.JibContainerBuilder;
import com.google.cloud.tools.jib.api.RegistryImage;
import com.google.cloud.tools.jib.api.TarImage;
import com.google.cloud.tools.jib.api.buildplan.AbsoluteUnixPath;
import com.google.cloud.tools.jib.api.buildplan.FileEntriesLayer;
import com.google.cloud.tools.jib.api.buildplan.Platform;
import com.google.cloud.tools.jib.api.buildplan.Port;
import com.google.cloud.tools.jib.event.events.ProgressEvent;
import com.google.cloud.tools.jib.frontend.CredentialRetrieverFactory;

import dev.peftbench.contract.RuntimeContract;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Builds the server's runtime image with Jib, without a Docker daemon: third-party jars, the 100+ MB
 * PyTorch natives jar (its own layer, so code changes never re-push it), the project's own jars and
 * classes, and optionally a baked-in model. The entrypoint, environment, ports and model folders are
 * the server's {@link RuntimeContract}; the process runs as a non-root user.
 *
 * <p>The base is a registry image or one on this machine ({@link LocalBaseImage}: a {@code docker save}
 * tarball or an OCI layout, for building offline); a registry's host that does not resolve fails in
 * seconds ({@link RegistryHost}). Before anything is built, the base must hold the Java the entrypoint
 * starts ({@link JavaInImage}): a registry base is first pulled into a local tarball (Jib keeps its layers
 * in its cache, so the build does not download them again) and checked as a local one.
 */
public final class RuntimeImageBuilder {

    static final AbsoluteUnixPath APP = AbsoluteUnixPath.get("/app");
    static final String USER = "1000:1000";

    private RuntimeImageBuilder() {
    }

    /** Builds and pushes (or writes the tarball); returns the image digest. */
    public static String build(ImageSpec spec, Consumer<ImageEvent> events) {
        Path work = null;
        try {
            boolean localBase = LocalBaseImage.isLocal(spec.base());
            if (spec.base().equals("scratch")) {
                throw new IllegalArgumentException("--base scratch holds no Java: the runtime image starts the server with java, "
                        + "so the base needs a Java " + RuntimeContract.MIN_JAVA_FEATURE + "+ runtime, e.g. " + ImageSpec.DEFAULT_BASE);
            }
            if (!localBase) {
                RegistryHost.requireResolvable(spec.base(), "the base image");
            }
            if (spec.tar() == null) {
                RegistryHost.requireResolvable(spec.target(), "the target");
            }
            work = Files.createTempDirectory("peftbench-image-");
            LocalBaseImage base = localBase ? LocalBaseImage.read(Path.of(spec.base()), spec.platform(), work)
                    : LocalBaseImage.read(pull(spec, work, events), spec.platform(), work);
            JavaInImage java = JavaInImage.of(base, spec.base());
            events.accept(new ImageEvent(0, "base " + spec.base() + ": java at " + java.java()
                    + java.feature().map(f -> " (Java " + f + ")").orElse(" (its release file names no version)")));
            JibContainerBuilder image = Jib.from(TarImage.at(base.jibTarball(work)));
            List<Path> natives = new ArrayList<>();
            List<Path> libraries = new ArrayList<>();
            List<Path> project = new ArrayList<>();
            List<Path> classDirs = new ArrayList<>();
            for (Path p : spec.classpath()) {
                String name = p.getFileName().toString();
                if (Files.isDirectory(p)) {
                    classDirs.add(p);
                } else if (name.startsWith("pytorch-native")) {
                    natives.add(p);
                } else if (isProjectJar(name)) {
                    project.add(p);
                } else {
                    libraries.add(p);
                }
            }
            AbsoluteUnixPath libs = APP.resolve("libs");
            image.addFileEntriesLayer(jars("dependencies", libraries, libs));
            image.addFileEntriesLayer(jars("pytorch-natives", natives, libs));
            List<String> classpath = new ArrayList<>();
            FileEntriesLayer.Builder own = FileEntriesLayer.builder().setName("application");
            for (Path jar : project) {
                own.addEntry(jar, libs.resolve(jar.getFileName().toString()));
            }
            for (int i = 0; i < classDirs.size(); i++) {
                AbsoluteUnixPath target = APP.resolve("classes-" + i);
                addTree(own, classDirs.get(i), target);
                classpath.add(target.toString());
            }
            image.addFileEntriesLayer(own.build());
            classpath.add(libs + "/*");

            Map<String, String> env = RuntimeContract.imageEnvironment(spec.bakedModel() != null, spec.bakedAdapter() != null);
            if (spec.bakedModel() != null || spec.bakedAdapter() != null) {
                FileEntriesLayer.Builder model = FileEntriesLayer.builder().setName("model");
                if (spec.bakedModel() != null) {
                    addTree(model, spec.bakedModel(), AbsoluteUnixPath.get(RuntimeContract.BAKED_MODEL_DIR));
                }
                if (spec.bakedAdapter() != null) {
                    addTree(model, spec.bakedAdapter(), AbsoluteUnixPath.get(RuntimeContract.BAKED_ADAPTER_DIR));
                }
                image.addFileEntriesLayer(model.build());
            }
            List<String> entrypoint = new ArrayList<>(List.of("java"));
            entrypoint.addAll(RuntimeContract.JVM_OPTIONS);
            entrypoint.addAll(List.of("-cp", String.join(":", classpath), RuntimeContract.MAIN_CLASS));
            String[] os = spec.platform().split("/");
            image.setPlatforms(Set.of(new Platform(os[1], os[0])))
                    .setEntrypoint(entrypoint)
                    .setEnvironment(env)
                    .setExposedPorts(Port.tcp(RuntimeContract.GRPC_PORT), Port.tcp(RuntimeContract.HTTP_PORT),
                            Port.tcp(RuntimeContract.MMESH_PORT))
                    .setUser(USER)
                    .setWorkingDirectory(APP)
                    .setLabels(Map.of(
                            "org.opencontainers.image.title", "peft-workbench-server",
                            "org.opencontainers.image.version", spec.version(),
                            "org.opencontainers.image.source", "peft-workbench (serve module)",
                            "org.opencontainers.image.description", "KServe v2 + ModelMesh runtime for HF causal LMs with PEFT adapters"));

            Containerizer to = spec.tar() != null
                    ? Containerizer.to(TarImage.at(spec.tar()).named(spec.target()))
                    : Containerizer.to(registry(spec.target()));
            to.setToolName("peft-workbench");
            to.addEventHandler(ProgressEvent.class, e -> events.accept(new ImageEvent(
                    e.getAllocation().getFractionOfRoot() * e.getUnits(), e.getAllocation().getDescription())));
            events.accept(new ImageEvent(0, "building " + spec.target() + " from " + spec.base()));
            JibContainer container = image.containerize(to);
            String digest = container.getDigest().toString();
            events.accept(new ImageEvent(1, (spec.tar() != null ? "wrote " + spec.tar() : "pushed " + spec.target())
                    + " (" + digest + ")"));
            return digest;
        } catch (InvalidImageReferenceException e) {
            throw new IllegalArgumentException("not an image reference nor a file or folder here: " + e.getInvalidReference());
        } catch (IOException | ExecutionException | com.google.cloud.tools.jib.api.RegistryException
                 | com.google.cloud.tools.jib.api.CacheDirectoryCreationException e) {
            throw new IllegalStateException("image build failed: " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("image build interrupted");
        } finally {
            deleteTree(work);
        }
    }

    /** The registry base for {@code spec.platform()}, written as a tarball into {@code work}. */
    private static Path pull(ImageSpec spec, Path work, Consumer<ImageEvent> events) throws InvalidImageReferenceException,
            IOException, InterruptedException, ExecutionException, com.google.cloud.tools.jib.api.RegistryException,
            com.google.cloud.tools.jib.api.CacheDirectoryCreationException {
        Path tar = work.resolve("base-pulled.tar");
        events.accept(new ImageEvent(0, "pulling the base " + spec.base() + " to check its Java"));
        String[] os = spec.platform().split("/");
        Jib.from(registry(spec.base())).setPlatforms(Set.of(new Platform(os[1], os[0])))
                .containerize(Containerizer.to(TarImage.at(tar).named("base")).setToolName("peft-workbench"));
        return tar;
    }

    private static void deleteTree(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            // a temporary folder left behind is no reason to fail the build
        }
    }

    /** {@code target} pinned to the digest just built, so the cluster runs exactly this image. */
    public static String pinned(String target, String digest) {
        int slash = target.lastIndexOf('/');
        int colon = target.lastIndexOf(':');
        String repository = colon > slash ? target.substring(0, colon) : target;
        return repository.replaceFirst("@.*$", "") + "@" + digest;
    }

    /**
     * In an installed app (jpackage's app image), the file in its folder that names the server's jars, one
     * file name a line: written by the packaging module's {@code Packager}, since no serve/target is there.
     */
    public static final String INSTALLED_CLASSPATH = "server-classpath.txt";

    /**
     * The server's runtime classpath under {@code home} ({@code peftbench.home}): an installed app's jars as its
     * {@link #INSTALLED_CLASSPATH} names them, else a checkout's serve module as the build leaves it in serve/target.
     */
    public static List<Path> serverClasspath(Path home) throws IOException {
        Path installed = home.resolve(INSTALLED_CLASSPATH);
        if (Files.isRegularFile(installed)) {
            return Files.readAllLines(installed).stream().map(String::strip).filter(name -> !name.isEmpty())
                    .map(home::resolve).toList();
        }
        Path serve = home.resolve("serve/target");
        Path file = serve.resolve("runtime-classpath.txt");
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("the server is not built (" + file + " is missing): "
                    + "run ./mvnw -pl serve -am package -DskipTests");
        }
        List<Path> classpath = new ArrayList<>();
        classpath.add(serve.resolve("classes"));
        for (String entry : Files.readString(file).trim().split(java.io.File.pathSeparator)) {
            if (!entry.isBlank()) {
                classpath.add(Path.of(entry));
            }
        }
        return classpath;
    }

    private static boolean isProjectJar(String name) {
        return Stream.of("engine-", "runtime-contract-", "serve-", "k8s-publish-").anyMatch(name::startsWith);
    }

    /** A registry image with the usual credential helpers (docker config, gcloud...). */
    private static RegistryImage registry(String reference) throws InvalidImageReferenceException {
        RegistryImage image = RegistryImage.named(reference);
        CredentialRetrieverFactory credentials = CredentialRetrieverFactory.forImage(
                com.google.cloud.tools.jib.api.ImageReference.parse(reference), log -> { });
        image.addCredentialRetriever(credentials.dockerConfig());
        image.addCredentialRetriever(credentials.wellKnownCredentialHelpers());
        return image;
    }

    private static FileEntriesLayer jars(String name, List<Path> jars, AbsoluteUnixPath dir) {
        FileEntriesLayer.Builder layer = FileEntriesLayer.builder().setName(name);
        for (Path jar : jars) {
            layer.addEntry(jar, dir.resolve(jar.getFileName().toString()));
        }
        return layer.build();
    }

    private static void addTree(FileEntriesLayer.Builder layer, Path root, AbsoluteUnixPath target) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                layer.addEntry(f, target.resolve(root.relativize(f).toString().replace('\\', '/')));
            }
        }
    }
}
