package dev.peftbench.publish.cli;

import dev.peftbench.contract.BuildInfo;
import dev.peftbench.publish.image.ImageSpec;
import dev.peftbench.publish.image.RuntimeImageBuilder;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code peftbench image}: the server as an OCI image, built with Jib (no Docker daemon), pushed or written as a tarball. */
@Command(name = "image", mixinStandardHelpOptions = true,
        description = "Build the runtime image of the server (Jib, no Docker daemon): push it, or write a tarball with --tar.")
public final class ImageCommand implements Callable<Integer> {

    @Option(names = "--to", required = true, description = "Image reference, e.g. registry.example/peft-workbench:0.1")
    String to;
    @Option(names = "--base", paramLabel = "IMAGE|FILE|DIR", description = "Base image with a Java 22+ runtime on its PATH "
            + "(default " + ImageSpec.DEFAULT_BASE + "): a registry reference, or one here to build offline: a 'docker save' "
            + "tarball or an OCI image layout folder (skopeo copy docker://IMAGE oci:DIR). Checked for its Java before building.")
    String base;
    @Option(names = "--tar", description = "Write an image tarball here instead of pushing.")
    Path tar;
    @Option(names = "--platform", description = "os/architecture (default linux/amd64).")
    String platform;
    @Option(names = "--bake-model", description = "Copy this base model folder into the image (air-gapped clusters).")
    Path bakeModel;
    @Option(names = "--bake-adapter", description = "Copy this PEFT adapter folder into the image.")
    Path bakeAdapter;

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException {
        PrintWriter out = spec.commandLine().getOut();
        ImageSpec image = new ImageSpec(to, base, tar, platform, serverClasspath(), bakeModel, bakeAdapter, version());
        RuntimeImageBuilder.build(image, e -> {
            out.printf("image: %3.0f%% %s%n", 100 * Math.min(1, e.fraction()), e.message());
            out.flush();
        });
        return 0;
    }

    static List<Path> serverClasspath() throws IOException {
        return RuntimeImageBuilder.serverClasspath(Path.of(System.getProperty("peftbench.home", ".")));
    }

    static String version() {
        return BuildInfo.current().version();
    }
}
