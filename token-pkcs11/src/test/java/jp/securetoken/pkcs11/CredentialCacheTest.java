package jp.securetoken.pkcs11;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

/** When the credentials read from a PKCS#11 token are answered from memory, and when the token is mapped and read again. */
class CredentialCacheTest {
    private static final long SECOND = Duration.ofSeconds(1).toNanos();

    @Test
    void anAnswerServesUntilTheRecheckIntervalHasPassedSinceTheReadBegan() {
        CredentialCache cache = new CredentialCache(Duration.ofSeconds(1));
        assertNull(cache.fresh(0), "nothing read yet");
        cache.store(List.of(), 5 * SECOND);
        assertEquals(List.of(), cache.fresh(5 * SECOND));
        assertEquals(List.of(), cache.fresh(6 * SECOND - 1));
        assertNull(cache.fresh(6 * SECOND), "a second after the read began, the token is read again");
    }

    @Test
    void aForgottenAnswerIsReadAgainAtOnce() {
        CredentialCache cache = new CredentialCache(Duration.ofSeconds(1));
        cache.store(List.of(), 0);
        cache.forget();
        assertNull(cache.fresh(1));
    }

    @Test
    void theObjectsAreMappedAgainOnceTheirMappingIsARecheckIntervalOld() {
        CredentialCache cache = new CredentialCache(Duration.ofSeconds(1));
        assertTrue(cache.mustMapObjects(0), "never mapped");
        cache.objectsMapped(10 * SECOND); // login
        assertFalse(cache.mustMapObjects(10 * SECOND + 1), "a read just after login uses the login's mapping");
        cache.store(List.of(), 10 * SECOND + 1);
        cache.forget(); // a write through this token, which SunPKCS11's KeyStore saw
        assertFalse(cache.mustMapObjects(10 * SECOND + 2));
        assertTrue(cache.mustMapObjects(11 * SECOND), "objects another process wrote are seen only by a new mapping");
    }

    @Test
    void aKeyObjectFoundGoneMakesTheNextReadMapTheObjectsAtOnce() {
        CredentialCache cache = new CredentialCache(Duration.ofSeconds(1));
        cache.objectsMapped(0);
        cache.store(List.of(), 0);
        cache.forgetObjects();
        assertNull(cache.fresh(1));
        assertTrue(cache.mustMapObjects(1));
    }
}
