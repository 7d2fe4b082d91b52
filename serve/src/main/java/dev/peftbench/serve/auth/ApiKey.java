package dev.peftbench.serve.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;

/**
 * The shared secret clients present as {@code Authorization: Bearer <key>} (RFC 6750 section 2.1), on
 * REST and as gRPC metadata. Only its SHA-256 digest is kept, and a presented key is compared digest
 * to digest with {@link MessageDigest#isEqual}, so the comparison takes the same time whatever the
 * presented key's length or how much of it matches.
 */
public final class ApiKey {

    private static final String BEARER = "bearer ";

    private final byte[] digest;

    private ApiKey(byte[] digest) {
        this.digest = digest;
    }

    /**
     * @param key visible ASCII without spaces (it travels in a header)
     * @throws IllegalArgumentException for an empty key or one a header cannot carry; the message never repeats the key
     */
    public static ApiKey of(String key, String source) {
        if (key == null || key.isBlank()) {
            throw new IllegalArgumentException(source + " is empty");
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c <= ' ' || c > '~') {
                throw new IllegalArgumentException(source + " must be visible ASCII characters without spaces "
                        + "(it is sent as 'Authorization: Bearer <key>'); character " + (i + 1) + " is not");
            }
        }
        return new ApiKey(sha256(key));
    }

    /** True when {@code authorization} is {@code Bearer <this key>}; the scheme's case does not matter. */
    public boolean acceptsAuthorization(String authorization) {
        if (authorization == null || authorization.length() < BEARER.length()
                || !authorization.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)) {
            return false;
        }
        return MessageDigest.isEqual(digest, sha256(authorization.substring(BEARER.length()).trim()));
    }

    private static byte[] sha256(String text) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** Never the key itself: configurations are logged. */
    @Override
    public String toString() {
        return "ApiKey[hidden]";
    }
}
