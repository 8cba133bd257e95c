package jp.securetoken.pkcs11;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.io.IOException;
import java.security.ProviderException;

import jp.securetoken.api.LoginRequiredException;
import jp.securetoken.api.PinLockedException;
import jp.securetoken.api.TokenBusyException;
import jp.securetoken.api.TokenDeviceException;
import jp.securetoken.api.TokenNotPresentException;
import jp.securetoken.api.TokenRemovedException;
import org.junit.jupiter.api.Test;
import sun.security.pkcs11.wrapper.PKCS11Exception;

/** CKR results as SunPKCS11 reports them (a PKCS11Exception wrapped in JCA exceptions) become typed errors. */
class Pkcs11ErrorsTest {

    private static Exception wrapped(long ckr) {
        return new ProviderException("operation failed", new IOException("inner", new PKCS11Exception(ckr, null)));
    }

    @Test
    void aLockedPinIsPinLocked() {
        assertInstanceOf(PinLockedException.class, Pkcs11Errors.map(wrapped(0xA4L), "t", "Login"));
    }

    @Test
    void aRemovedDeviceOrLostSessionIsTokenRemoved() {
        assertInstanceOf(TokenRemovedException.class, Pkcs11Errors.map(wrapped(0x32L), "t", "Signing"));
        assertInstanceOf(TokenRemovedException.class, Pkcs11Errors.map(wrapped(0xB3L), "t", "Signing"));
    }

    @Test
    void anAbsentTokenOrBadSlotIsTokenNotPresent() {
        assertInstanceOf(TokenNotPresentException.class, Pkcs11Errors.map(wrapped(0xE0L), "t", "Open"));
        assertInstanceOf(TokenNotPresentException.class, Pkcs11Errors.map(wrapped(0x3L), "t", "Open"));
    }

    @Test
    void notLoggedInIsLoginRequired() {
        assertInstanceOf(LoginRequiredException.class, Pkcs11Errors.map(wrapped(0x101L), "t", "Signing"));
    }

    @Test
    void anotherUserLoggedInIsBusy() {
        assertInstanceOf(TokenBusyException.class, Pkcs11Errors.map(wrapped(0x104L), "t", "Login"));
    }

    @Test
    void anyOtherResultKeepsItsCkrName() {
        TokenDeviceException e = assertInstanceOf(TokenDeviceException.class,
                Pkcs11Errors.map(wrapped(0x30L), "t", "Signing"));
        assertEquals("CKR_DEVICE_ERROR", e.deviceCode());
        TokenDeviceException none = assertInstanceOf(TokenDeviceException.class,
                Pkcs11Errors.map(new ProviderException("odd"), "t", "Signing"));
        assertEquals("no CKR code", none.deviceCode());
    }
}
