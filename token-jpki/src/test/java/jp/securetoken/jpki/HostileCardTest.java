package jp.securetoken.jpki;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SecureTokens;
import jp.securetoken.api.TokenDeviceException;
import jp.securetoken.jpki.emulator.JpkiCardEmulator;
import jp.securetoken.jpki.emulator.JpkiCardIdentity;

/** A forged or broken card answers what it likes: the token fails with a typed device error. */
class HostileCardTest {
    private static final JpkiCardIdentity IDENTITY = JpkiCardIdentity.generate();
    private static final int AUTH_CERT_FID = 0x000A;

    /** Rewrites the answers to READ BINARY of the authentication certificate EF. */
    private static HostileReader.Tamper onCertificateRead(HostileReader.Tamper tamper) {
        int[] selected = {-1};
        return (command, genuine) -> {
            if ((command[1] & 0xFF) == 0xA4 && command[2] == 0x02 && command.length >= 7) {
                selected[0] = ((command[5] & 0xFF) << 8) | (command[6] & 0xFF);
            }
            if ((command[1] & 0xFF) == 0xB0 && selected[0] == AUTH_CERT_FID) {
                return tamper.answer(command, genuine);
            }
            return genuine;
        };
    }

    private static void openAndReadCredentials(HostileReader reader) throws Exception {
        try (SecureToken card = SecureTokens.of(new JpkiTokenProvider(reader.terminalFactory())).open("jpki:auth")) {
            card.credentials();
        }
    }

    @Test
    @Timeout(30)
    void aCertificateLengthHeaderAbove32KibIsRefusedInsteadOfWrapping() throws Exception {
        List<Integer> offsets = new ArrayList<>();
        HostileReader reader = new HostileReader(JpkiCardEmulator.of(IDENTITY), onCertificateRead((command, genuine) -> {
            int offset = ((command[2] & 0x7F) << 8) | (command[3] & 0xFF);
            offsets.add(offset);
            int le = command.length > 4 ? (command[4] == 0 ? 256 : command[4] & 0xFF) : 0;
            byte[] answer = new byte[le + 2];
            if (offset == 0) {
                answer[0] = 0x30;
                answer[1] = (byte) 0x82;
                answer[2] = (byte) 0xFF; // 65,535 + 4 bytes: offsets above 0x7FFF would wrap to 0
                answer[3] = (byte) 0xFF;
            }
            answer[le] = (byte) 0x90;
            return answer;
        }));
        TokenDeviceException e = assertThrows(TokenDeviceException.class, () -> openAndReadCredentials(reader));
        assertTrue(e.getMessage().contains("more than READ BINARY can address"), e.getMessage());
        assertTrue(offsets.stream().allMatch(o -> o < 0x8000) && offsets.size() < 4, offsets::toString);
    }

    @Test
    @Timeout(30)
    void aCardAnsweringMoreBytesThanAskedIsRefused() throws Exception {
        HostileReader reader = new HostileReader(JpkiCardEmulator.of(IDENTITY), onCertificateRead((command, genuine) -> {
            if (command[2] == 0 && command[3] == 0) {
                return genuine; // the length header
            }
            byte[] longer = Arrays.copyOf(genuine, genuine.length + 300);
            longer[longer.length - 2] = (byte) 0x90;
            longer[longer.length - 1] = 0x00;
            return longer;
        }));
        TokenDeviceException e = assertThrows(TokenDeviceException.class, () -> openAndReadCredentials(reader));
        assertTrue(e.getMessage().contains("more bytes than were asked for"), e.getMessage());
    }

    @Test
    @Timeout(30)
    void aCertificateFileThatEndsEarlyIsRefused() throws Exception {
        HostileReader reader = new HostileReader(JpkiCardEmulator.of(IDENTITY), onCertificateRead((command, genuine) ->
                command[2] == 0 && command[3] == 0 ? genuine : new byte[] {(byte) 0x90, 0x00}));
        TokenDeviceException e = assertThrows(TokenDeviceException.class, () -> openAndReadCredentials(reader));
        assertTrue(e.getMessage().contains("ends before the certificate does"), e.getMessage());
    }
}
