package jp.securetoken.pkcs11;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.OptionalLong;

import jp.securetoken.api.TokenUriException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class Pkcs11UriTest {

    @Test
    void readsPathAndQueryAttributes() throws Exception {
        Pkcs11Uri uri = Pkcs11Uri.parse("pkcs11:token=Node%20Token;object=node;id=%01%a0;type=private;slot-id=7"
                + "?module-path=/usr/lib/softhsm/libsofthsm2.so&pin-source=file:/run/node/pin");
        assertEquals("Node Token", uri.token().orElseThrow());
        assertEquals("node", uri.object().orElseThrow());
        assertArrayEquals(new byte[] {0x01, (byte) 0xa0}, uri.id().orElseThrow());
        assertEquals("private", uri.type().orElseThrow());
        assertEquals(OptionalLong.of(7), uri.slotId());
        assertEquals(Path.of("/usr/lib/softhsm/libsofthsm2.so"), uri.modulePath().orElseThrow());
        assertEquals(Path.of("/run/node/pin"), uri.pinSource().orElseThrow());
    }

    @Test
    void decodesUtf8LabelsAndReservedCharacters() throws Exception {
        Pkcs11Uri uri = Pkcs11Uri.parse("pkcs11:token=%E7%97%85%E9%99%A2%3B%3F;manufacturer=A%26B:x");
        assertEquals("病院;?", uri.token().orElseThrow());
        assertEquals("A&B:x", uri.pathAttribute("manufacturer").orElseThrow());
    }

    @Test
    void theSchemeIsCaseInsensitiveAndAnEmptyPathIsAllowed() throws Exception {
        Pkcs11Uri uri = Pkcs11Uri.parse("PKCS11:?module-path=/lib/x.so");
        assertTrue(uri.token().isEmpty());
        assertEquals(Path.of("/lib/x.so"), uri.modulePath().orElseThrow());
    }

    @Test
    void keepsVendorAttributesApart() throws Exception {
        Pkcs11Uri uri = Pkcs11Uri.parse("pkcs11:token=a;x-hospital=ward%207?x-mode=fast");
        assertEquals(Map.of("x-hospital", "ward 7", "x-mode", "fast"), uri.vendorAttributes());
    }

    @Test
    void printsItselfBackInRfc7512Form() throws Exception {
        String text = "pkcs11:token=Node%20Token;id=%01%A0;object=a%3Bb?module-path=/usr/lib/x.so";
        Pkcs11Uri uri = Pkcs11Uri.parse(text);
        assertEquals(text, uri.toString());
        assertEquals(uri, Pkcs11Uri.parse(uri.toUri().toString()));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "soft:/tmp/x.stk",                                  // not pkcs11
        "pkcs11:token=a;colour=red",                        // unknown path attribute
        "pkcs11:?module-path=/x.so&flavour=b",              // unknown query attribute
        "pkcs11:token=a;token=b",                           // repeated attribute
        "pkcs11:token=a%2",                                 // incomplete escape
        "pkcs11:token=a%zz",                                // bad escape
        "pkcs11:token=a b",                                 // unencoded space
        "pkcs11:token=%ff%fe",                              // not UTF-8
        "pkcs11:token=a/b",                                 // '/' is not allowed in the path
        "pkcs11:type=key",                                  // bad type
        "pkcs11:slot-id=-1",                                // slot-id not a number
        "pkcs11:slot-id=abc",
        "pkcs11:library-version=two",
        "pkcs11:token=a?module-path=lib/x.so",              // relative module path
        "pkcs11:token=a?pin-source=|/bin/echo%201234",      // command pin source
        "pkcs11:token",                                     // not name=value
        "pkcs11:token=a#frag"                               // fragment
    })
    void refusesMalformedAddresses(String text) {
        assertThrows(TokenUriException.class, () -> Pkcs11Uri.parse(text));
    }

    @ParameterizedTest
    @ValueSource(strings = {
        "pkcs11:token=a?module-path=/x%00y",                // NUL in a path: InvalidPathException before
        "pkcs11:token=a?module-path=/x%0Ay",                // line feed
        "pkcs11:token=a?pin-source=file:/run/p%00in",
        "pkcs11:token=a?pin-source=/run/p%00in",
        "pkcs11:token=%\uFF11\uFF11",                      // fullwidth digits are not hex digits
        "pkcs11:token=%\u0661\u0662",                      // Arabic-Indic digits
        "pkcs11:id=%\uFF11\uFF11"
    })
    void refusesControlCharactersInPathsAndNonAsciiDigitsInEscapes(String text) {
        assertThrows(TokenUriException.class, () -> Pkcs11Uri.parse(text));
    }

    @Test
    void anOverLongPinSourceFileGivesNoPin(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("pin");
        Files.write(file, new byte[4 * 1024 * 1024]);
        Pkcs11Uri uri = Pkcs11Uri.parse("pkcs11:token=a?pin-source=file:" + file);
        assertEquals(null, uri.pinSourceCallback().orElseThrow().providePin(null));
    }

    @Test
    void refusesAPinInTheAddressAndSaysWhy() {
        TokenUriException e = assertThrows(TokenUriException.class,
                () -> Pkcs11Uri.parse("pkcs11:token=a?pin-value=1234"));
        assertTrue(e.getMessage().contains("pin-source"), e.getMessage());
        assertFalse(e.getMessage().contains("1234"), "the PIN is not repeated");
    }

    @Test
    void readsThePinFromThePinSourceFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("pin");
        Files.writeString(file, "4711\n");
        Pkcs11Uri uri = Pkcs11Uri.parse("pkcs11:token=a?pin-source=file:" + file);
        assertArrayEquals("4711".toCharArray(), uri.pinSourceCallback().orElseThrow().providePin(null));
    }

    @Test
    void aConfigGivesTheEquivalentAddress() throws Exception {
        Pkcs11Config config = Pkcs11Config.token(Path.of("/usr/lib/x.so"), "Node Token");
        Pkcs11Uri uri = Pkcs11Uri.parse(config.uri().toString());
        assertEquals("Node Token", uri.token().orElseThrow());
        assertEquals(Path.of("/usr/lib/x.so"), uri.modulePath().orElseThrow());
        assertEquals(OptionalLong.of(3), Pkcs11Uri.parse(Pkcs11Config.slot(Path.of("/x.so"), 3).uri().toString())
                .slotId());
    }
}
