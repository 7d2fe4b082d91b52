package dev.peftbench.serve.auth;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ApiKeyUnitTest {

    private final ApiKey key = ApiKey.of("s3cret-Key_1-0123", "--api-key");

    @Test
    void onlyTheBearerOfTheExactKeyIsAccepted() {
        assertTrue(key.acceptsAuthorization("Bearer s3cret-Key_1-0123"));
        assertTrue(key.acceptsAuthorization("bearer s3cret-Key_1-0123"), "the scheme is case-insensitive (RFC 9110 section 11.1)");
        assertFalse(key.acceptsAuthorization("Bearer s3cret-key_1-0123"), "the key is not");
        assertFalse(key.acceptsAuthorization("Bearer s3cret-Key_1-012"));
        assertFalse(key.acceptsAuthorization("Bearer s3cret-Key_1-01234"));
        assertFalse(key.acceptsAuthorization("Basic s3cret-Key_1-0123"));
        assertFalse(key.acceptsAuthorization("s3cret-Key_1-0123"));
        assertFalse(key.acceptsAuthorization(null));
        assertFalse(key.acceptsAuthorization(""));
    }

    @Test
    void aKeyAHeaderCannotCarryIsRefusedWithoutRepeatingIt() {
        String message = assertThrows(IllegalArgumentException.class, () -> ApiKey.of("two words", "--api-key")).getMessage();
        assertFalse(message.contains("two words"), message);
        assertThrows(IllegalArgumentException.class, () -> ApiKey.of(" ", "--api-key"));
        assertThrows(IllegalArgumentException.class, () -> ApiKey.of("caf\u00e9", "--api-key"));
    }

    @Test
    void aKeyShorterThanSixteenCharactersIsRefusedAtStart() {
        String message = assertThrows(IllegalArgumentException.class, () -> ApiKey.of("x", "--api-key")).getMessage();
        assertTrue(message.contains("--api-key") && message.contains("at least 16"), message);
        assertThrows(IllegalArgumentException.class, () -> ApiKey.of("0123456789abcde", "--api-key"));
        ApiKey.of("0123456789abcdef", "--api-key");
    }

    @Test
    void theKeyNeverShowsInLogs() {
        assertEquals("ApiKey[hidden]", key.toString());
        assertFalse(new AccessPolicy(key, false, false).toString().contains("s3cret"));
    }
}
