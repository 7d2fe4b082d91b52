package dev.peftbench.publish.image;

import com.fasterxml.jackson.databind.JsonNode;
import dev.peftbench.contract.RuntimeContract;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Java a base image runs the server with: the image's entrypoint starts {@code java} through the
 * image's {@code PATH} ({@link RuntimeContract#JVM_OPTIONS}), so the base must hold an executable
 * {@code java} on its {@code PATH} (symbolic links followed, as distroless's {@code /usr/bin/java}), and
 * its Java home's {@code release} file must name a feature release of at least
 * {@value RuntimeContract#MIN_JAVA_FEATURE}. Read from the layers' file listings (OCI whiteouts applied),
 * nothing is run.
 *
 * @param java    the executable's path in the image
 * @param feature the Java feature release its {@code release} file names; empty when there is none
 */
record JavaInImage(String java, Optional<Integer> feature) {

    /** The PATH of a config without one (Docker's default). */
    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    private static final Pattern JAVA_VERSION = Pattern.compile("(?m)^JAVA_VERSION=\"?([0-9]+)(?:\\.([0-9]+))?");
    private static final int MAX_LINKS = 16;
    private static final long MAX_RELEASE_BYTES = 64 * 1024;

    /** One path of the image's file system. */
    private record Node(boolean file, boolean executable, String link, byte[] release) {
    }

    /**
     * The image's Java.
     *
     * @throws IllegalArgumentException naming the base and what it lacks: no {@code java} on its PATH, or
     *                                  one older than the server needs
     */
    static JavaInImage of(LocalBaseImage image, String base) throws IOException {
        Map<String, Node> files = new HashMap<>();
        for (Path layer : image.layers()) {
            apply(layer, files);
        }
        String path = path(image.config());
        for (String dir : path.split(":")) {
            if (dir.isBlank()) {
                continue;
            }
            String resolved = resolve(files, normalize(dir + "/java"), 0);
            Node node = resolved == null ? null : files.get(resolved);
            if (node != null && node.file() && node.executable()) {
                Optional<Integer> feature = feature(files, resolved);
                if (feature.isPresent() && feature.get() < RuntimeContract.MIN_JAVA_FEATURE) {
                    throw new IllegalArgumentException("--base " + base + " holds Java " + feature.get() + " (" + resolved
                            + "); the server needs Java " + RuntimeContract.MIN_JAVA_FEATURE + " or newer: use e.g. "
                            + ImageSpec.DEFAULT_BASE);
                }
                return new JavaInImage(resolved, feature);
            }
        }
        throw new IllegalArgumentException("--base " + base + " has no executable java on its PATH (" + path + "): the "
                + "runtime image starts the server with java, so the base needs a Java " + RuntimeContract.MIN_JAVA_FEATURE
                + "+ runtime, e.g. " + ImageSpec.DEFAULT_BASE + " (docker save it, or skopeo copy it to an OCI layout, "
                + "to build offline)");
    }

    /** The config's {@code PATH} variable, else Docker's default. */
    static String path(JsonNode config) {
        for (JsonNode variable : config.path("config").path("Env")) {
            String text = variable.asText();
            if (text.startsWith("PATH=")) {
                return text.substring("PATH=".length());
            }
        }
        return DEFAULT_PATH;
    }

    /** One layer over the file system so far: its entries added, its whiteouts removing lower ones. */
    private static void apply(Path layer, Map<String, Node> files) throws IOException {
        try (TarArchiveInputStream in = new TarArchiveInputStream(LocalBaseImage.layerStream(layer))) {
            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                String name = normalize("/" + e.getName());
                String base = name.substring(name.lastIndexOf('/') + 1);
                String parent = name.substring(0, name.lastIndexOf('/'));
                if (base.equals(".wh..wh..opq")) {
                    files.keySet().removeIf(k -> k.startsWith(parent + "/"));
                } else if (base.startsWith(".wh.")) {
                    String gone = parent + "/" + base.substring(".wh.".length());
                    files.keySet().removeIf(k -> k.equals(gone) || k.startsWith(gone + "/"));
                } else if (e.isSymbolicLink()) {
                    files.put(name, new Node(false, false, e.getLinkName(), null));
                } else if (e.isLink()) {
                    // a hard link names another entry by its path in the archive
                    files.put(name, files.getOrDefault(normalize("/" + e.getLinkName()), new Node(true, true, null, null)));
                } else if (e.isFile()) {
                    byte[] release = base.equals("release") && e.getSize() <= MAX_RELEASE_BYTES ? in.readAllBytes() : null;
                    files.put(name, new Node(true, (e.getMode() & 0111) != 0, null, release));
                } else if (e.isDirectory()) {
                    files.put(name, new Node(false, false, null, null));
                }
            }
        }
    }

    /** {@code path} with every symbolic link on the way followed; null when a link loops or leads nowhere. */
    private static String resolve(Map<String, Node> files, String path, int depth) {
        if (depth > MAX_LINKS) {
            return null;
        }
        StringBuilder done = new StringBuilder();
        String[] parts = path.substring(1).split("/");
        for (int i = 0; i < parts.length; i++) {
            String next = done + "/" + parts[i];
            Node node = files.get(next);
            if (node != null && node.link() != null) {
                String target = node.link().startsWith("/") ? node.link() : done + "/" + node.link();
                String rest = String.join("/", List.of(parts).subList(i + 1, parts.length));
                return resolve(files, normalize(rest.isEmpty() ? target : target + "/" + rest), depth + 1);
            }
            done.append('/').append(parts[i]);
        }
        return done.toString();
    }

    /** The feature release in the {@code release} file of the Java home {@code java} sits in ({@code <home>/bin/java}). */
    private static Optional<Integer> feature(Map<String, Node> files, String java) {
        String bin = java.substring(0, java.lastIndexOf('/'));
        String home = bin.substring(0, Math.max(0, bin.lastIndexOf('/')));
        Node release = files.get(home + "/release");
        if (release == null || release.release() == null) {
            return Optional.empty();
        }
        Matcher m = JAVA_VERSION.matcher(new String(release.release(), StandardCharsets.UTF_8));
        if (!m.find()) {
            return Optional.empty();
        }
        int major = Integer.parseInt(m.group(1));
        // Java 8 and older name themselves 1.x
        return Optional.of(major == 1 && m.group(2) != null ? Integer.parseInt(m.group(2)) : major);
    }

    /** An absolute path without {@code .}, {@code ..}, doubled or trailing slashes. */
    static String normalize(String path) {
        String n = Path.of("/").resolve(path.replace('\\', '/')).normalize().toString().replace('\\', '/');
        return n.length() > 1 && n.endsWith("/") ? n.substring(0, n.length() - 1) : n;
    }
}
