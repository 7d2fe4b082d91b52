package dev.peftbench.publish.image;

import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * Base images written as files, as {@code docker save} and {@code skopeo copy ... oci:DIR} write them, for the image
 * command's tests here and the installed app's (packaging): no registry, no daemon.
 */
public final class BaseImages {

    private BaseImages() {
    }

    /** A layer's entry: a file (with its mode), or a symbolic link when {@code link} is set. */
    public record Entry(String name, String content, int mode, String link) {
        public static Entry file(String name, String content, int mode) {
            return new Entry(name, content, mode, null);
        }

        public static Entry symlink(String name, String target) {
            return new Entry(name, null, 0777, target);
        }
    }

    private static byte[] layer(List<Entry> entries) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            for (Entry e : entries) {
                TarArchiveEntry t = e.link() != null ? new TarArchiveEntry(e.name(), TarArchiveEntry.LF_SYMLINK)
                        : new TarArchiveEntry(e.name());
                if (e.link() != null) {
                    t.setLinkName(e.link());
                } else {
                    t.setSize(e.content().length());
                }
                t.setMode(e.mode());
                tar.putArchiveEntry(t);
                if (e.link() == null) {
                    tar.write(e.content().getBytes(StandardCharsets.UTF_8));
                }
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String config(String path, byte[] layer) {
        return "{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Env\":[\"PATH=" + path + "\"]},"
                + "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:" + sha256(layer) + "\"]}}";
    }

    /** A {@code docker save} tarball of a one-layer image with {@code entries} and {@code path} as its PATH. */
    public static Path dockerSave(Path file, String path, List<Entry> entries) throws IOException {
        byte[] layer = layer(entries);
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(Files.newOutputStream(file))) {
            put(tar, "layer.tar", layer);
            put(tar, "config.json", config(path, layer).getBytes(StandardCharsets.UTF_8));
            put(tar, "manifest.json", "[{\"Config\":\"config.json\",\"RepoTags\":[\"base:1\"],\"Layers\":[\"layer.tar\"]}]"
                    .getBytes(StandardCharsets.UTF_8));
        }
        return file;
    }

    /** An OCI image layout folder (gzip layer), as {@code skopeo copy ... oci:DIR} writes one. */
    public static Path ociLayout(Path dir, String path, List<Entry> entries) throws IOException {
        byte[] layer = layer(entries);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(gz)) {
            out.write(layer);
        }
        byte[] config = config(path, layer).getBytes(StandardCharsets.UTF_8);
        String manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:" + sha256(config)
                + "\",\"size\":" + config.length + "},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
                + "\"digest\":\"sha256:" + sha256(gz.toByteArray()) + "\",\"size\":" + gz.size() + "}]}";
        byte[] m = manifest.getBytes(StandardCharsets.UTF_8);
        Path blobs = Files.createDirectories(dir.resolve("blobs/sha256"));
        Files.write(blobs.resolve(sha256(gz.toByteArray())), gz.toByteArray());
        Files.write(blobs.resolve(sha256(config)), config);
        Files.write(blobs.resolve(sha256(m)), m);
        Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
        Files.writeString(dir.resolve("index.json"), "{\"schemaVersion\":2,\"manifests\":[{\"mediaType\":"
                + "\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:" + sha256(m) + "\",\"size\":" + m.length + "}]}");
        return dir;
    }

    private static void put(TarArchiveOutputStream tar, String name, byte[] bytes) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(bytes.length);
        tar.putArchiveEntry(e);
        tar.write(bytes);
        tar.closeArchiveEntry();
    }

    /** A Temurin-like base: Java 25 in /opt/java/openjdk, on the PATH. */
    public static Path javaBase(Path tmp) throws IOException {
        return dockerSave(tmp.resolve("temurin-like.tar"), "/opt/java/openjdk/bin:/usr/bin:/bin", List.of(
                Entry.file("opt/java/openjdk/bin/java", "#!java", 0755),
                Entry.file("opt/java/openjdk/release", "IMPLEMENTOR=\"Eclipse Adoptium\"\nJAVA_VERSION=\"25.0.1\"\n", 0644)));
    }
}
