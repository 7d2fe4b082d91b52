package dev.peftbench.publish.image;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What goes into the runtime image: the server's runtime classpath, an optional baked-in model and
 * adapter (for air-gapped clusters), where it goes (a registry reference, or a tarball), and from which
 * base: a registry image with a Java runtime, or one on this machine ({@code docker save} tarball or OCI
 * layout folder), which the build checks for its Java.
 *
 * @param target     image reference, e.g. registry.example/peft-workbench:0.1
 * @param base       base image reference, or a base image's tarball or OCI layout folder here
 * @param tar        write an image tarball here instead of pushing; null = push to the registry
 * @param platform   os/architecture, e.g. linux/amd64
 * @param classpath  the serve module's runtime classpath (jars and class folders)
 * @param bakedModel a base model folder copied into the image, or null
 * @param bakedAdapter a PEFT adapter folder copied into the image, or null
 */
public record ImageSpec(String target, String base, Path tar, String platform, List<Path> classpath, Path bakedModel,
                        Path bakedAdapter, String version) {

    public static final String DEFAULT_BASE = "eclipse-temurin:25-jre";
    private static final Pattern PLATFORM = Pattern.compile("[a-z0-9]+/[a-z0-9_]+");

    public ImageSpec {
        if (target == null || target.isBlank() || target.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("--to must name the image, e.g. registry.example/peft-workbench:0.1");
        }
        base = base == null || base.isBlank() ? DEFAULT_BASE : base;
        platform = platform == null ? "linux/amd64" : platform;
        if (!PLATFORM.matcher(platform).matches()) {
            throw new IllegalArgumentException("--platform must be os/architecture, e.g. linux/amd64, got " + platform);
        }
        classpath = List.copyOf(classpath);
        if (classpath.isEmpty()) {
            throw new IllegalArgumentException("the server's classpath is empty: build it first (./mvnw -pl serve -am package -DskipTests)");
        }
        for (Path p : classpath) {
            if (!Files.exists(p)) {
                throw new IllegalArgumentException("classpath entry " + p + " does not exist: rebuild the server "
                        + "(./mvnw -pl serve -am package -DskipTests)");
            }
        }
        for (Path folder : new Path[] {bakedModel, bakedAdapter}) {
            if (folder != null && !Files.isDirectory(folder)) {
                throw new IllegalArgumentException("folder to bake into the image " + folder + " does not exist");
            }
        }
        version = version == null ? "dev" : version;
    }
}
