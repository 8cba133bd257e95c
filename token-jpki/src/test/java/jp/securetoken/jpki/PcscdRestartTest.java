package jp.securetoken.jpki;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import jp.securetoken.api.Credential;
import jp.securetoken.api.LoginRequiredException;
import jp.securetoken.api.PinRole;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SecureTokens;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenNotPresentException;
import jp.securetoken.api.TokenRemovedException;
import jp.securetoken.jpki.emulator.Pcscd;
import jp.securetoken.jpki.emulator.PcscdExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A gateway with a card survives a restart of pcscd without restarting itself: the JDK's PC/SC
 * context goes stale, the next operation fails with a typed error, and once the card is back the
 * token works again after a new login (the context is established again, {@link PcscContext}).
 */
@ExtendWith(PcscdExtension.class)
class PcscdRestartTest {
    private static final byte[] DATA = "after the restart".getBytes(StandardCharsets.UTF_8);

    @Test
    void theTokenWorksAgainAfterPcscdRestartsAndANewLogin(Pcscd pcscd) throws Exception {
        CardInReader card = CardInReader.insert();
        try (SecureToken token = SecureTokens.discover().open("jpki:auth")) {
            token.login(CardInReader.pin(CardInReader.AUTH_PIN));
            Credential auth = token.credentials().get(0);
            auth.key().sign(SignatureScheme.RSA_PKCS1_SHA256, DATA);

            card.connection.remove(); // the card leaves first, so that pcscd's side of its socket is not left in TIME_WAIT
            pcscd.restart();

            TokenException failed = assertThrows(TokenException.class,
                    () -> auth.key().sign(SignatureScheme.RSA_PKCS1_SHA256, DATA));
            assertTrue(failed instanceof TokenRemovedException || failed instanceof TokenNotPresentException
                    || failed instanceof LoginRequiredException, failed::toString);

            card.connection.insert(); // the card back in the restarted pcscd's reader (a no-op if it reconnected)
            await("the token reaches the card again").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200)).ignoreExceptionsMatching(e -> e instanceof TokenNotPresentException
                            || e instanceof TokenRemovedException)
                    .until(() -> token.pinStatus(PinRole.USER).retriesLeft() == 3);
            assertThrows(LoginRequiredException.class, () -> auth.key().sign(SignatureScheme.RSA_PKCS1_SHA256, DATA),
                    "the restart reset the card: its PIN must be given again");
            token.login(CardInReader.pin(CardInReader.AUTH_PIN));
            byte[] signature = token.credentials().get(0).key().sign(SignatureScheme.RSA_PKCS1_SHA256, DATA);
            assertTrue(CardInReader.verifies(CardInReader.IDENTITY.authCertificate(), SignatureScheme.RSA_PKCS1_SHA256,
                    DATA, signature));
            assertEquals(true, PcscContext.renewable());
        } finally {
            // not card.close(): its reader handle belongs to the context the restart made stale; a
            // fresh handle waits until pcscd has seen the card leave, so the next test's card is new
            card.connection.remove();
            jp.securetoken.jpki.emulator.PcscReader.awaitCard(jp.securetoken.jpki.emulator.PcscReader.vpcd(), false);
        }
    }
}
