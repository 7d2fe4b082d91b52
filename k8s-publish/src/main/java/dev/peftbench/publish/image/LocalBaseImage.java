package dev.peftbench.publish.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * A base image on this machine, in one of the forms tools write: a {@code docker save} tarball (its
 * {@code manifest.json} names the config and the layer files), an OCI image layout (a folder with
 * {@code index.json} and {@code blobs/}, as {@code skopeo copy ... oci:DIR} or {@code podman save
 * --format oci-dir} write it), or either packed in a tar (an OCI archive). Jib reads the first form only
 * ({@code Jib.from(TarImage)}), so {@link #jibTarball} writes the others in it.
 *
 * @param source     what the user named
 * @param config     the image's config JSON (its {@code config.Env}, {@code rootfs.diff_ids}...)
 * @param layers     the layer blobs, base first (gzip-compressed or plain tars)
 * @param dockerSave the user's own {@code docker save} tarball, which Jib reads as it is; null otherwise
 */
record LocalBaseImage(Path source, JsonNode config, List<Path> layers, Path dockerSave) {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String DOCKER_MANIFEST = "manifest.json";
    private static final String OCI_INDEX = "index.json";
    private static final String INDEX_TYPE = "application/vnd.oci.image.index.v1+json";
    private static final String LIST_TYPE = "application/vnd.docker.distribution.manifest.list.v2+json";

    /** Whether {@code base} names a file or folder here rather than a registry image. */
    static boolean isLocal(String base) {
        try {
            return Files.exists(Path.of(base));
        } catch (RuntimeException e) {
            return false;
        }
    }

    /**
     * Reads {@code source} (a tarball is unpacked into {@code work}); picks the {@code platform}'s image
     * from an index of several.
     *
     * @throws IllegalArgumentException when it is no image in a form named above, saying what was found
     */
    static LocalBaseImage read(Path source, String platform, Path work) throws IOException {
        Path dir = Files.isRegularFile(source) ? Files.createDirectories(work.resolve("base")) : source;
        if (Files.isRegularFile(source)) {
            unpack(source, dir);
        }
        if (Files.isRegularFile(dir.resolve(OCI_INDEX)) && !Files.isRegularFile(dir.resolve(DOCKER_MANIFEST))) {
            return ociLayout(source, dir, platform);
        }
        if (Files.isRegularFile(dir.resolve(DOCKER_MANIFEST))) {
            JsonNode entry = JSON.readTree(dir.resolve(DOCKER_MANIFEST).toFile()).path(0);
            List<Path> layers = new ArrayList<>();
            entry.path("Layers").forEach(l -> layers.add(inside(dir, l.asText())));
            return new LocalBaseImage(source, JSON.readTree(inside(dir, entry.path("Config").asText()).toFile()), layers,
                    Files.isRegularFile(source) ? source : null);
        }
        throw new IllegalArgumentException("--base " + source + " is no image: a base image here is a 'docker save' tarball "
                + "(with " + DOCKER_MANIFEST + ") or an OCI image layout, a folder or tar with " + OCI_INDEX + " and blobs/");
    }

    /** The image as a {@code docker save} tarball, which Jib's {@code TarImage} reads as a base. */
    Path jibTarball(Path work) throws IOException {
        if (dockerSave != null) {
            return dockerSave;
        }
        Path tar = work.resolve("base-docker-save.tar");
        ArrayNode manifest = JSON.createArrayNode();
        ObjectNode entry = manifest.addObject();
        entry.put("Config", "config.json");
        entry.putArray("RepoTags");
        ArrayNode layerNames = entry.putArray("Layers");
        try (OutputStream out = Files.newOutputStream(tar); TarArchiveOutputStream archive = new TarArchiveOutputStream(out)) {
            archive.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            archive.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            put(archive, "config.json", JSON.writeValueAsBytes(config));
            for (int i = 0; i < layers.size(); i++) {
                String name = "layer-" + i + ".tar";
                layerNames.add(name);
                TarArchiveEntry e = new TarArchiveEntry(name);
                e.setSize(Files.size(layers.get(i)));
                archive.putArchiveEntry(e);
                Files.copy(layers.get(i), archive);
                archive.closeArchiveEntry();
            }
            put(archive, DOCKER_MANIFEST, JSON.writeValueAsBytes(manifest));
        }
        return tar;
    }

    /** A layer's tar stream, gunzipped when it is compressed. */
    static InputStream layerStream(Path layer) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(layer));
        in.mark(2);
        int magic = in.read() | (in.read() << 8);
        in.reset();
        return magic == GZIPInputStream.GZIP_MAGIC ? new GZIPInputStream(in, 1 << 16) : in;
    }

    private static LocalBaseImage ociLayout(Path source, Path dir, String platform) throws IOException {
        JsonNode manifest = manifestFor(JSON.readTree(dir.resolve(OCI_INDEX).toFile()), dir, platform, source);
        List<Path> layers = new ArrayList<>();
        for (JsonNode layer : manifest.path("layers")) {
            String type = layer.path("mediaType").asText();
            if (type.contains("zstd")) {
                throw new IllegalArgumentException("--base " + source + " has zstd-compressed layers, which the image builder "
                        + "(Jib) cannot read: save it with gzip layers (e.g. skopeo copy --dest-compress-format gzip)");
            }
            layers.add(blob(dir, layer));
        }
        return new LocalBaseImage(source, JSON.readTree(blob(dir, manifest.path("config")).toFile()), layers, null);
    }

    /** The image manifest of {@code platform} ({@code os/architecture}) in an index, nested indexes followed. */
    private static JsonNode manifestFor(JsonNode index, Path dir, String platform, Path source) throws IOException {
        JsonNode manifests = index.path("manifests");
        if (manifests.isEmpty()) {
            throw new IllegalArgumentException("--base " + source + ": its " + OCI_INDEX + " lists no image");
        }
        JsonNode chosen = manifests.get(0);
        List<String> offered = new ArrayList<>();
        for (JsonNode m : manifests) {
            JsonNode p = m.path("platform");
            String os = p.path("os").asText("") + "/" + p.path("architecture").asText("");
            offered.add(os);
            if (os.equals(platform)) {
                chosen = m;
            }
        }
        if (manifests.size() > 1 && !offered.contains(platform) && !offered.stream().allMatch("/"::equals)) {
            throw new IllegalArgumentException("--base " + source + " has no image for " + platform + " (it has " + offered
                    + "); pass --platform");
        }
        JsonNode node = JSON.readTree(blob(dir, chosen).toFile());
        String type = chosen.path("mediaType").asText(node.path("mediaType").asText());
        return type.equals(INDEX_TYPE) || type.equals(LIST_TYPE) ? manifestFor(node, dir, platform, source) : node;
    }

    private static Path blob(Path dir, JsonNode descriptor) {
        String digest = descriptor.path("digest").asText();
        int colon = digest.indexOf(':');
        if (colon < 1 || !digest.substring(colon + 1).matches("[0-9a-f]{32,128}")) {
            throw new IllegalArgumentException("not a content digest in the image layout: '" + digest + "'");
        }
        Path blob = dir.resolve("blobs").resolve(digest.substring(0, colon)).resolve(digest.substring(colon + 1));
        if (!Files.isRegularFile(blob)) {
            throw new IllegalArgumentException("the image layout " + dir + " lacks blob " + digest);
        }
        return blob;
    }

    /** {@code name} inside {@code dir}, never outside it. */
    private static Path inside(Path dir, String name) {
        Path p = dir.resolve(name).normalize();
        if (name.isEmpty() || !p.startsWith(dir.normalize()) || !Files.isRegularFile(p)) {
            throw new IllegalArgumentException("the base image's " + DOCKER_MANIFEST + " names '" + name
                    + "', which is not a file in it");
        }
        return p;
    }

    /** Unpacks a tar (gzip-compressed or not); entries that would land outside {@code dir} are refused. */
    private static void unpack(Path tar, Path dir) throws IOException {
        try (TarArchiveInputStream in = new TarArchiveInputStream(layerStream(tar))) {
            for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                Path target = dir.resolve(e.getName()).normalize();
                if (!target.startsWith(dir)) {
                    throw new IllegalArgumentException("--base " + tar + " holds an entry outside itself: " + e.getName());
                }
                if (e.isDirectory()) {
                    Files.createDirectories(target);
                } else if (e.isFile()) {
                    Files.createDirectories(target.getParent());
                    Files.copy(in, target);
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("--base " + tar + " is not a readable tar: " + e.getMessage());
        }
    }

    private static void put(TarArchiveOutputStream archive, String name, byte[] bytes) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(bytes.length);
        archive.putArchiveEntry(e);
        archive.write(bytes);
        archive.closeArchiveEntry();
    }
}
