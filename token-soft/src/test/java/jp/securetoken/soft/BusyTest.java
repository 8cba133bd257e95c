package jp.securetoken.soft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import jp.securetoken.api.PinRole;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.TokenBusyException;
import jp.securetoken.api.TokenClosedException;

class BusyTest {
    @TempDir
    Path dir;

    @Test
    void secondOpenInTheSameJvmIsBusyUntilTheFirstCloses() throws Exception {
        Path file = Fixtures.create(dir, "busy");
        SecureToken first = SoftTokens.open(file);
        assertThrows(TokenBusyException.class, () -> SoftTokens.open(file));
        first.close();
        try (SecureToken second = SoftTokens.open(file)) {
            assertEquals("busy", second.info().label());
        }
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void tokenHeldByAnotherProcessIsBusy() throws Exception {
        Path file = Fixtures.create(dir, "busy");
        Process child = Fixtures.startChild(HoldTokenChild.class, file.toString());
        try {
            Fixtures.awaitLine(Fixtures.lines(child), "OPEN busy");
            assertThrows(TokenBusyException.class, () -> SoftTokens.open(file));
        } finally {
            child.getOutputStream().close();
            assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        }
        assertEquals(0, child.exitValue());
        try (SecureToken token = SoftTokens.open(file)) {
            assertEquals("busy", token.info().label());
        }
    }

    @Test
    void closedTokenRefusesEveryOperation() throws Exception {
        SecureToken token = SoftTokens.open(Fixtures.create(dir, "closed"));
        token.close();
        token.close();
        assertThrows(TokenClosedException.class, () -> token.pinStatus(PinRole.USER));
        assertThrows(TokenClosedException.class, token::credentials);
        assertThrows(TokenClosedException.class, () -> token.login(Fixtures.pin(Fixtures.USER_PIN)));
    }
}
