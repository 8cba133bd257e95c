package jp.securetoken.soft;

import java.nio.ByteBuffer;
import java.security.cert.X509Certificate;

import com.code_intelligence.jazzer.junit.FuzzTest;

import jp.securetoken.api.TokenCorruptException;

/**
 * Fuzz target: the software token file decoder, fed files an attacker wrote. The whole-file
 * checksum and the public section's hash are made right before decoding (as an attacker would),
 * so the fuzzer reaches the PIN header and the public section; the private section is fuzzed as
 * the decrypted bytes it would be. Anything but {@link TokenCorruptException} is a finding.
 * Regression inputs: {@code TokenFileFuzzTestInputs/}; {@code scripts/fuzz.sh} fuzzes for real.
 */
public class TokenFileFuzzTest {
    private static final int HEADER = 8 + 2 + 2 + 2 * PinSlot.ENCODED_LENGTH;

    @FuzzTest
    void tokenFile(byte[] data) {
        fuzzerTestOneInput(data);
    }

    @FuzzTest
    void privateSection(byte[] data) {
        try {
            PrivateContents keys = PrivateContents.decode(data);
            keys.encode();
        } catch (TokenCorruptException expected) {
            // a typed refusal is the right answer
        }
    }

    /** The target itself; also what a plain {@code jazzer --target_class} run calls. */
    public static void fuzzerTestOneInput(byte[] data) {
        byte[] file = withChecksumsFixed(data.clone());
        try {
            TokenFile decoded = TokenFile.decode(file);
            PublicContents contents = PublicContents.decode(decoded.publicSection());
            // what opening the token and listing it do with what was decoded
            contents.credentials().forEach((alias, chain) -> {
                X509Certificate entity = chain.chain().get(0);
                entity.getPublicKey();
            });
            decoded.user().retriesLeft();
            decoded.admin().locked();
            decoded.encode();
        } catch (TokenCorruptException expected) {
            // a typed refusal is the right answer
        }
    }

    private static byte[] withChecksumsFixed(byte[] data) {
        if (data.length >= HEADER + 4 + 32 + 32) {
            int n = ByteBuffer.wrap(data, HEADER, 4).getInt();
            if (n >= 0 && HEADER + 4 + (long) n + 32 <= data.length - 32) {
                byte[] hash = Crypto.sha256(java.util.Arrays.copyOfRange(data, HEADER + 4, HEADER + 4 + n));
                System.arraycopy(hash, 0, data, HEADER + 4 + n, 32);
            }
        }
        if (data.length >= 32) {
            byte[] sum = Crypto.sha256(data, 0, data.length - 32);
            System.arraycopy(sum, 0, data, data.length - 32, 32);
        }
        return data;
    }
}
