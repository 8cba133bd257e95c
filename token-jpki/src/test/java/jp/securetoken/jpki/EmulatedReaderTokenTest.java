package jp.securetoken.jpki;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import jp.securetoken.api.Credential;
import jp.securetoken.api.PinCallback;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SecureTokens;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenRemovedException;
import jp.securetoken.jpki.emulator.EmulatedReader;
import jp.securetoken.jpki.emulator.JpkiCardEmulator;
import jp.securetoken.jpki.emulator.JpkiCardIdentity;
import jp.securetoken.jpki.emulator.JpkiPinRole;
import org.junit.jupiter.api.Test;

/** The card token over the in-JVM emulated reader: the same token code, no pcscd. */
class EmulatedReaderTokenTest {
    private static final JpkiCardIdentity IDENTITY = JpkiCardIdentity.generate();
    private static final byte[] CHALLENGE = "qualification check challenge".getBytes(StandardCharsets.UTF_8);

    private static PinCallback authPin() {
        return request -> IDENTITY.pin(JpkiPinRole.AUTHENTICATION).toCharArray();
    }

    @Test
    void theAuthTokenSignsThroughTheEmulatedReaderAndTheSignatureVerifies() throws Exception {
        EmulatedReader reader = new EmulatedReader(JpkiCardEmulator.of(IDENTITY));
        try (SecureToken card = SecureTokens.of(new JpkiTokenProvider(reader.terminalFactory())).open("jpki:auth")) {
            card.login(authPin());
            Credential auth = card.credentials().get(0);
            assertEquals(IDENTITY.authCertificate(), auth.certificate());

            byte[] signature = auth.key().sign(SignatureScheme.RSA_PKCS1_SHA256, CHALLENGE);
            Signature verifier = Signature.getInstance("SHA256withRSA");
            verifier.initVerify(IDENTITY.authCertificate());
            verifier.update(CHALLENGE);
            assertTrue(verifier.verify(signature));
        }
    }

    @Test
    void aCardPulledDuringASignatureIsReportedAsRemoved() throws Exception {
        JpkiCardEmulator slowCard = JpkiCardEmulator.builder(IDENTITY).signingDelay(Duration.ofMillis(500)).build();
        EmulatedReader reader = new EmulatedReader(slowCard);
        try (SecureToken card = SecureTokens.of(new JpkiTokenProvider(reader.terminalFactory())).open("jpki:auth")) {
            card.login(authPin());
            long before = slowCard.signCommands();
            CompletableFuture<byte[]> signing = card.credentials().get(0).key()
                    .signAsync(SignatureScheme.RSA_PKCS1_SHA256, CHALLENGE);
            await().atMost(Duration.ofSeconds(10)).until(() -> slowCard.signCommands() > before);
            reader.remove();

            ExecutionException e = assertThrows(ExecutionException.class, () -> signing.get(20, TimeUnit.SECONDS));
            assertInstanceOf(TokenRemovedException.class, e.getCause());
        }
    }
}
