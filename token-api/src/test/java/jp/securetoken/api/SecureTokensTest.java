package jp.securetoken.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class SecureTokensTest {

    @Test
    void anAddressWithoutSchemeIsATypedError() {
        TokenUriException e = assertThrows(TokenUriException.class, () -> SecureTokens.discover().open("/tmp/x.stk"));
        assertTrue(e.getMessage().contains("no scheme"), e.getMessage());
    }

    @Test
    void anUnknownSchemeNamesTheInstalledOnes() {
        TokenUriException e = assertThrows(TokenUriException.class,
                () -> SecureTokens.of().open("smartdust:node"));
        assertTrue(e.getMessage().contains("smartdust"), e.getMessage());
    }

    @Test
    void aMalformedAddressIsATypedError() {
        assertThrows(TokenUriException.class, () -> SecureTokens.of().open("soft:/a b\\c"));
    }

    @Test
    void noProvidersListNothing() {
        assertEquals(0, SecureTokens.of().list().size());
    }

    @Test
    void pinMessagesTellTheTriesLeftAndNothingElse() {
        PinIncorrectException e = new PinIncorrectException(PinRole.USER, 1);
        assertTrue(e.getMessage().contains("1 try left"), e.getMessage());
        assertFalse(new PinLockedException(PinRole.USER, "Unlock it with the administrator PIN.").getMessage()
                .isBlank());
    }

    @Test
    void aFixedPinCallbackGivesCopiesAndWipesOnClose() {
        char[] pin = "1234".toCharArray();
        PinCallback.Fixed callback = PinCallback.fixed(pin);
        char[] first = callback.providePin(null);
        first[0] = 'x';
        assertEquals("1234", new String(callback.providePin(null)));
        assertFalse(callback.toString().contains("1234"));
        callback.close();
        assertEquals("\0\0\0\0", new String(callback.providePin(null)));
    }
}
