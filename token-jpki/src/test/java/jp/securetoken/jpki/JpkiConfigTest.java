package jp.securetoken.jpki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.URI;
import java.util.Optional;

import jp.securetoken.api.PinFormatException;
import jp.securetoken.api.TokenUriException;

import org.junit.jupiter.api.Test;

/** Token addresses and PIN forms, without a card. */
class JpkiConfigTest {

    @Test
    void readsTheTwoTokenNames() throws Exception {
        assertEquals(JpkiConfig.auth(), JpkiConfig.parse(URI.create("jpki:auth")));
        assertEquals(JpkiConfig.sign(), JpkiConfig.parse(URI.create("jpki:SIGN")));
    }

    @Test
    void readsTheReaderName() throws Exception {
        JpkiConfig c = JpkiConfig.parse(URI.create("jpki:auth?reader=Virtual%20PCD%2000%2000"));
        assertEquals(Optional.of("Virtual PCD 00 00"), c.readerName());
        assertEquals(URI.create("jpki:auth?reader=Virtual%20PCD%2000%2000"), c.uri());
    }

    @Test
    void addressRoundTripsReaderNamesWithOddCharacters() throws Exception {
        JpkiConfig c = JpkiConfig.sign().inReader("SCM Microsystems Inc. SCR 3310 [CCID Interface] (53311) 00 00 +&=");
        assertEquals(c, JpkiConfig.parse(c.uri()));
    }

    @Test
    void refusesOtherAddresses() {
        for (String bad : new String[] {"jpki:authx", "jpki:user", "jpki:auth?slot=1", "jpki:auth?reader", "soft:/x"}) {
            assertThrows(TokenUriException.class, () -> JpkiConfig.parse(URI.create(bad)), bad);
        }
    }

    @Test
    void authPinIsFourDigits() throws Exception {
        assertEquals("0123", new String(PinFormat.toCardBytes(JpkiTokenType.AUTH, "0123".toCharArray()),
                java.nio.charset.StandardCharsets.US_ASCII));
        for (String bad : new String[] {"012", "01234", "012a", "ABCD"}) {
            assertThrows(PinFormatException.class, () -> PinFormat.toCardBytes(JpkiTokenType.AUTH, bad.toCharArray()));
        }
    }

    @Test
    void signaturePinIsUppercasedAndChecked() throws Exception {
        assertEquals("ABC123", new String(PinFormat.toCardBytes(JpkiTokenType.SIGN, "abC123".toCharArray()),
                java.nio.charset.StandardCharsets.US_ASCII));
        for (String bad : new String[] {"ABC12", "ABCDEFGHIJ1234567", "ABC-123", "ÄBC123"}) {
            assertThrows(PinFormatException.class, () -> PinFormat.toCardBytes(JpkiTokenType.SIGN, bad.toCharArray()));
        }
    }

    @Test
    void theGivenPinIsWipedEvenWhenRefused() {
        char[] pin = "12a4".toCharArray();
        assertThrows(PinFormatException.class, () -> PinFormat.toCardBytes(JpkiTokenType.AUTH, pin));
        assertEquals("\0\0\0\0", new String(pin));
    }
}
