package jp.securetoken.jpki;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

import com.code_intelligence.jazzer.junit.FuzzTest;

import jp.securetoken.api.Credential;
import jp.securetoken.api.PinRole;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SecureTokens;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenException;
import jp.securetoken.jpki.emulator.EmulatedReader;
import jp.securetoken.jpki.emulator.JpkiCardEmulator;
import jp.securetoken.jpki.emulator.JpkiCardIdentity;
import jp.securetoken.jpki.emulator.JpkiPinRole;

/**
 * Fuzz target: APDU responses reaching the JPKI token from a hostile card. A real emulated card
 * answers each command; the input decides, answer by answer, whether the token gets the genuine
 * answer, the genuine data with another status word, or bytes of the input's choosing (wrong
 * lengths, huge certificate length headers, odd status words). The token opens, lists its
 * credential, reads the PIN status, logs in and signs: every failure must be a
 * {@link TokenException}. Regression inputs: {@code HostileCardFuzzTestInputs/};
 * {@code scripts/fuzz.sh} fuzzes for real.
 */
public class HostileCardFuzzTest {
    private static final JpkiCardIdentity IDENTITY = JpkiCardIdentity.generate();
    private static final byte[] CHALLENGE = "challenge".getBytes(StandardCharsets.US_ASCII);

    @FuzzTest
    void answers(byte[] data) {
        fuzzerTestOneInput(data);
    }

    /** The target itself; also what a plain {@code jazzer --target_class} run calls. */
    public static void fuzzerTestOneInput(byte[] data) {
        int[] at = {0};
        EmulatedReader reader = new EmulatedReader(JpkiCardEmulator.of(IDENTITY), (command, genuine) -> {
            if (at[0] >= data.length) {
                return genuine;
            }
            int mode = data[at[0]++] & 0xFF;
            switch (mode % 4) {
                case 1: {
                    byte[] answer = Arrays.copyOf(genuine, genuine.length);
                    answer[answer.length - 2] = next(data, at);
                    answer[answer.length - 1] = next(data, at);
                    return answer;
                }
                case 2: {
                    int length = (next(data, at) & 0xFF) | (mode >= 128 ? (next(data, at) & 0xFF) << 8 : 0);
                    byte[] answer = new byte[length + 2];
                    for (int i = 0; i < answer.length; i++) {
                        answer[i] = next(data, at);
                    }
                    return answer;
                }
                case 3:
                    return Arrays.copyOf(genuine, Math.max(0, genuine.length - 1 - (next(data, at) & 0x03)));
                default:
                    return genuine;
            }
        });
        try (SecureToken card = SecureTokens.of(new JpkiTokenProvider(reader.terminalFactory())).open("jpki:auth")) {
            card.pinStatus(PinRole.USER);
            card.login(request -> IDENTITY.pin(JpkiPinRole.AUTHENTICATION).toCharArray());
            for (Credential credential : card.credentials()) {
                credential.key().sign(SignatureScheme.RSA_PKCS1_SHA256, CHALLENGE);
            }
        } catch (TokenException expected) {
            // a typed refusal is the right answer
        }
    }

    private static byte next(byte[] data, int[] at) {
        return at[0] < data.length ? data[at[0]++] : 0;
    }
}
