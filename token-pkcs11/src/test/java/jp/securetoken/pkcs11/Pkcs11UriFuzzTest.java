package jp.securetoken.pkcs11;

import java.nio.charset.StandardCharsets;

import com.code_intelligence.jazzer.junit.FuzzTest;

import jp.securetoken.api.TokenUriException;

/**
 * Fuzz target: the RFC 7512 URI parser. A refusal must be {@link TokenUriException}; an address it
 * accepts must print back to an address that parses to the same attributes, and its accessors must
 * not throw. Regression inputs: {@code Pkcs11UriFuzzTestInputs/}; {@code scripts/fuzz.sh} fuzzes
 * for real.
 */
public class Pkcs11UriFuzzTest {
    @FuzzTest
    void parse(byte[] data) {
        fuzzerTestOneInput(data);
    }

    /** The target itself; also what a plain {@code jazzer --target_class} run calls. */
    public static void fuzzerTestOneInput(byte[] data) {
        String text = new String(data, StandardCharsets.UTF_8);
        Pkcs11Uri uri;
        try {
            uri = Pkcs11Uri.parse(text);
        } catch (TokenUriException expected) {
            return;
        }
        uri.token();
        uri.id();
        uri.slotId();
        uri.modulePath();
        uri.pinSource();
        uri.vendorAttributes();
        Pkcs11Uri again;
        try {
            again = Pkcs11Uri.parse(uri.toString());
        } catch (TokenUriException e) {
            throw new AssertionError("an accepted address printed back does not parse: " + uri, e);
        }
        if (!again.equals(uri)) {
            throw new AssertionError("an accepted address printed back means something else: " + uri + " / " + again);
        }
        uri.toUri();
    }
}
