package jp.securetoken.soft;

import static jp.securetoken.soft.Fixtures.ADMIN_PIN;
import static jp.securetoken.soft.Fixtures.USER_PIN;
import static jp.securetoken.soft.Fixtures.pin;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.PinIncorrectException;
import jp.securetoken.api.PinRole;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.TokenCorruptException;
import jp.securetoken.testpki.TestPki;

/**
 * Token files written by an attacker, with every checksum made right: only the decoder's own
 * checks and the PIN logic stand in the way. Each case was found by fuzzing or review (issue 10).
 */
class HostileTokenFileTest {
    @TempDir
    Path dir;

    @Test
    void anEmptyCertificateChainIsCorruptNotAnIndexError() throws Exception {
        Path file = Fixtures.create(dir, "empty-chain");
        try (SecureToken token = SoftTokens.open(file)) {
            token.login(pin(USER_PIN));
            Fixtures.issue(token, TestPki.create("Hostile CA"), "node", KeyAlgorithm.EC_P256);
        }
        CraftedTokenFiles.emptyEveryChain(file);
        TokenCorruptException e = assertThrows(TokenCorruptException.class, () -> SoftTokens.open(file));
        assertTrue(e.getMessage().contains("empty certificate chain"), e.getMessage());
    }

    @Test
    @Timeout(20)
    void aHugeIterationCountIsCorruptBeforeAnyTryIsSpent() throws Exception {
        Path file = Fixtures.create(dir, "huge-kdf");
        for (int count : new int[] {Integer.MAX_VALUE, -1, SoftTokenSettings.MAX_KDF_ITERATIONS + 1}) {
            CraftedTokenFiles.setUserIterations(file, count);
            TokenCorruptException e = assertThrows(TokenCorruptException.class, () -> SoftTokens.open(file),
                    "count " + count);
            assertTrue(e.getMessage().contains("PBKDF2 iterations"), e.getMessage());
        }
    }

    @Test
    void aTinyIterationCountIsCorrupt() throws Exception {
        Path file = Fixtures.create(dir, "tiny-kdf");
        for (int count : new int[] {1, 0, SoftTokenSettings.MIN_KDF_ITERATIONS - 1}) {
            CraftedTokenFiles.setUserIterations(file, count);
            assertThrows(TokenCorruptException.class, () -> SoftTokens.open(file), "count " + count);
        }
    }

    @Test
    void settingsRefuseAnIterationCountAboveTheBound() {
        assertThrows(IllegalArgumentException.class,
                () -> Fixtures.settings("slow").kdfIterations(SoftTokenSettings.MAX_KDF_ITERATIONS + 1));
    }

    @Test
    void unlockNeverCarriesALoweredCountIntoTheNewUserSlot() throws Exception {
        Path file = dir.resolve("lowered.stk");
        int strong = 2 * SoftTokenSettings.MIN_KDF_ITERATIONS;
        SoftTokens.create(file, Fixtures.settings("lowered").kdfIterations(strong).maxRetries(1).build());
        // The attacker lowers the user slot's count; the user's PIN then fails (the count is bound)...
        CraftedTokenFiles.setUserIterations(file, SoftTokenSettings.MIN_KDF_ITERATIONS);
        try (SecureToken token = SoftTokens.open(file)) {
            assertThrows(PinIncorrectException.class, () -> token.login(pin(USER_PIN)));
            // ...and the administrator unlocks it with a new PIN: that slot must have the strong count.
            token.unlockUserPin(pin(ADMIN_PIN), pin("new-user-pin"));
        }
        assertEquals(strong, CraftedTokenFiles.userIterations(file));
        try (SecureToken token = SoftTokens.open(file)) {
            token.login(pin("new-user-pin"));
            assertTrue(token.isLoggedIn());
            assertEquals(1, token.pinStatus(PinRole.USER).retriesLeft());
        }
    }

    @Test
    void aLoweredCountCannotBeCarriedThroughAPinChange() throws Exception {
        Path file = dir.resolve("change.stk");
        int strong = 2 * SoftTokenSettings.MIN_KDF_ITERATIONS;
        SoftTokens.create(file, Fixtures.settings("change").kdfIterations(strong).build());
        try (SecureToken token = SoftTokens.open(file)) {
            token.changePin(PinRole.USER, pin(USER_PIN), pin("changed-pin"));
        }
        assertEquals(strong, CraftedTokenFiles.userIterations(file), "a change keeps the count");
        CraftedTokenFiles.setUserIterations(file, SoftTokenSettings.MIN_KDF_ITERATIONS);
        try (SecureToken token = SoftTokens.open(file)) {
            // the lowered slot no longer opens with the real PIN: the count is bound into the wrap
            assertThrows(PinIncorrectException.class,
                    () -> token.changePin(PinRole.USER, pin("changed-pin"), pin("another-pin")));
        }
    }
}
