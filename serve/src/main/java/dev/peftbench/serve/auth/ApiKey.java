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
    /**
     * The shortest key taken. Nothing limits how often a client may guess (each guess is one request,
     * thousands a second), so a key must be too long to enumerate: 16 characters of letters and digits
     * hold about 95 bits when random. A length cannot prove randomness; it refuses the keys that are
     * surely not ('a', 'test', 'secret'). {@code openssl rand -hex 16} gives a 32-character one.
     */
    public static final int MIN_LENGTH = 16;

    private final byte[] digest;

    private ApiKey(byte[] digest) {
        this.digest = digest;
    }

    /**
     * @param key visible ASCII without spaces (it travels in a header), at least {@value #MIN_LENGTH} characters
     * @throws IllegalArgumentException for an empty or short key, or one a header cannot carry; the message never repeats the key
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
        if (key.length() < MIN_LENGTH) {
            throw new IllegalArgumentException(source + " is " + key.length() + " characters long; an API key needs at least "
                    + MIN_LENGTH + " (guesses are not limited), e.g. the 32 of 'openssl rand -hex 16'");
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
