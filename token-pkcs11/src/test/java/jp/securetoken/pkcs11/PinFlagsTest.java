package jp.securetoken.pkcs11;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jp.securetoken.api.PinRole;
import jp.securetoken.api.PinStatus;
import org.junit.jupiter.api.Test;

/** PKCS#11 tells a PIN's state only by flags; the status says no more than they do. */
class PinFlagsTest {
    private static Cryptoki.TokenState flags(long f) {
        return new Cryptoki.TokenState("t", "m", "model", "1", Ck.CKF_LOGIN_REQUIRED | f, 4, 8);
    }

    @Test
    void noFlagMeansTriesUnknown() {
        assertEquals(PinStatus.retriesUnknown(PinRole.USER), Pkcs11Token.status(PinRole.USER, flags(0)));
        assertEquals(PinStatus.retriesUnknown(PinRole.USER),
                Pkcs11Token.status(PinRole.USER, flags(Ck.CKF_USER_PIN_COUNT_LOW)), "count low is not a number");
    }

    @Test
    void finalTryMeansOneTryLeft() {
        assertEquals(new PinStatus(PinRole.USER, 1, PinStatus.UNKNOWN, false),
                Pkcs11Token.status(PinRole.USER, flags(Ck.CKF_USER_PIN_FINAL_TRY)));
        assertEquals(new PinStatus(PinRole.ADMINISTRATOR, 1, PinStatus.UNKNOWN, false),
                Pkcs11Token.status(PinRole.ADMINISTRATOR, flags(Ck.CKF_SO_PIN_FINAL_TRY)));
    }

    @Test
    void lockedMeansNoTryLeft() {
        PinStatus locked = Pkcs11Token.status(PinRole.USER, flags(Ck.CKF_USER_PIN_LOCKED | Ck.CKF_USER_PIN_FINAL_TRY));
        assertEquals(new PinStatus(PinRole.USER, 0, PinStatus.UNKNOWN, true), locked);
        assertEquals(PinStatus.retriesUnknown(PinRole.USER),
                Pkcs11Token.status(PinRole.USER, flags(Ck.CKF_SO_PIN_LOCKED)), "the other role's flag does not count");
    }
}
