package jp.securetoken.pkcs11;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;

import jp.securetoken.api.PinCallback;
import jp.securetoken.api.PinEntryCancelledException;
import jp.securetoken.api.PinFormatException;
import jp.securetoken.api.PinIncorrectException;
import jp.securetoken.api.PinLockedException;
import jp.securetoken.api.PinRequest;
import jp.securetoken.api.PinRole;
import jp.securetoken.api.PinStatus;
import jp.securetoken.api.SecureToken;
import org.junit.jupiter.api.Test;

/**
 * PINs on SoftHSM2. PKCS#11 has no retry counter, only flags (count low, final try, locked):
 * SoftHSM2 sets "count low" after a wrong PIN and never locks, so the tries left are unknown, not
 * invented.
 */
class PinTest {

    @Test
    void theRightPinLogsIn() throws Exception {
        try (SecureToken token = SoftHsm.open("pins")) {
            assertFalse(token.isLoggedIn());
            token.login(SoftHsm.userPin());
            assertTrue(token.isLoggedIn());
            token.logout();
            assertFalse(token.isLoggedIn());
        }
    }

    @Test
    void aWrongPinIsIncorrectWithTriesLeftUnknown() throws Exception {
        try (SecureToken token = SoftHsm.open("pins")) {
            PinIncorrectException e = assertThrows(PinIncorrectException.class,
                    () -> token.login(SoftHsm.pin("0000-wrong")));
            assertFalse(e.retriesKnown());
            assertEquals(PinStatus.UNKNOWN, e.retriesLeft());
            assertFalse(e.getMessage().contains("0000-wrong"), "the PIN is not in the message");
            assertEquals(PinStatus.retriesUnknown(PinRole.USER), token.pinStatus(PinRole.USER));
            assertFalse(token.isLoggedIn());
            token.login(SoftHsm.userPin());
            assertTrue(token.isLoggedIn());
        }
    }

    @Test
    void theCallbackIsToldThePinRulesAndTheArrayIsWiped() throws Exception {
        List<PinRequest> requests = new ArrayList<>();
        char[][] given = new char[1][];
        PinCallback callback = request -> {
            requests.add(request);
            given[0] = SoftHsm.USER_PIN.toCharArray();
            return given[0];
        };
        try (SecureToken token = SoftHsm.open("pins")) {
            token.login(callback);
        }
        assertEquals("4 to 255 characters", requests.get(0).rule());
        assertEquals("pins", requests.get(0).tokenLabel());
        assertTrue(new String(given[0]).chars().allMatch(c -> c == 0), "PIN array wiped");
    }

    @Test
    void aPinTooShortForTheTokenIsRefusedBeforeTheTokenSeesIt() throws Exception {
        try (SecureToken token = SoftHsm.open("pins")) {
            assertThrows(PinFormatException.class, () -> token.login(SoftHsm.pin("12")));
        }
    }

    @Test
    void aCancelledEntryIsCancelled() throws Exception {
        try (SecureToken token = SoftHsm.open("pins")) {
            assertThrows(PinEntryCancelledException.class, () -> token.login(request -> null));
        }
    }

    @Test
    void aTokenWhoseFlagsSayLockedRefusesWithoutTryingThePin() throws Exception {
        try (SecureToken token = SoftHsm.open("locked")) {
            PinStatus status = token.pinStatus(PinRole.USER);
            assertTrue(status.locked());
            assertEquals(0, status.retriesLeft());
            boolean[] asked = {false};
            assertThrows(PinLockedException.class, () -> token.login(request -> {
                asked[0] = true;
                return SoftHsm.USER_PIN.toCharArray();
            }));
            assertFalse(asked[0], "the PIN was not even asked for");
            assertFalse(token.isLoggedIn());
        }
    }
}
