package dev.peftbench.engine.hub;

import java.net.URI;
import java.util.regex.Pattern;

/**
 * What a {@code HEAD /{repo}/resolve/{revision}/{file}} says about one file, read as huggingface_hub's
 * {@code get_hf_file_metadata} reads it.
 *
 * @param commit   {@code X-Repo-Commit}; null when absent
 * @param etag     {@code X-Linked-Etag} (an LFS file's sha256), else {@code ETag} (the git blob sha1), unquoted
 * @param size     {@code X-Linked-Size}, else {@code Content-Length} of a non-redirect answer; -1 when unknown
 * @param location where the bytes are: the CDN address of a redirect, else the resolve address itself
 */
record FileMetadata(String commit, String etag, long size, URI location) {

    private static final Pattern SHA256 = Pattern.compile("[0-9a-f]{64}");

    /** An ETag as a file name: {@code W/"abc"} and {@code "abc"} are {@code abc} ({@code _normalize_etag}). */
    static String normalizeEtag(String etag) {
        if (etag == null) {
            return null;
        }
        String e = etag.strip();
        if (e.startsWith("W/")) {
            e = e.substring(2);
        }
        e = e.replaceAll("^\"+|\"+$", "");
        return e.isEmpty() ? null : e;
    }

    /** LFS files are named by their sha256, which is then checked against the bytes. */
    boolean etagIsSha256() {
        return SHA256.matcher(etag).matches();
    }
}
