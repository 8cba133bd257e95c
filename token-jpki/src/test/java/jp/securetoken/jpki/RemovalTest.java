package jp.securetoken.jpki;

import static jp.securetoken.jpki.CardInReader.AUTH_PIN;
import static jp.securetoken.jpki.CardInReader.IDENTITY;
import static jp.securetoken.jpki.CardInReader.SIGN_PIN;
import static jp.securetoken.jpki.CardInReader.pin;
import static jp.securetoken.jpki.CardInReader.verifies;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import javax.smartcardio.Card;
import javax.smartcardio.CardChannel;
import javax.smartcardio.CommandAPDU;

import jp.securetoken.api.CommandQueue;
import jp.securetoken.api.LoginRequiredException;
import jp.securetoken.api.PinRole;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenDeviceException;
import jp.securetoken.api.TokenKey;
import jp.securetoken.api.TokenNotPresentException;
import jp.securetoken.api.TokenRemovedException;
import jp.securetoken.jpki.emulator.JpkiCardEmulator;
import jp.securetoken.jpki.emulator.JpkiCardIdentity;
import jp.securetoken.jpki.emulator.PcscdExtension;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** A card pulled out during and between operations, and put back, through pcscd's vpcd reader. */
@ExtendWith(PcscdExtension.class)
class RemovalTest {
    private static final byte[] MESSAGE = "challenge".getBytes(StandardCharsets.UTF_8);
    private static final Duration SLOW_SIGN = Duration.ofMillis(1500);

    private final JpkiTokenProvider provider = new JpkiTokenProvider();
    private final List<SecureToken> opened = new ArrayList<>();
    private CardInReader card;

    @AfterEach
    void cleanUp() {
        opened.forEach(SecureToken::close);
        if (card != null) {
            card.close();
        }
    }

    private JpkiToken open(JpkiConfig config) throws Exception {
        JpkiToken token = (JpkiToken) provider.open(config);
        opened.add(token);
        return token;
    }

    @Test
    void cardRemovedMidSignIsTokenRemovedAndReinsertionWorksAfterLogin() throws Exception {
        card = CardInReader.insert(SLOW_SIGN);
        JpkiToken token = open(JpkiConfig.auth());
        token.login(pin(AUTH_PIN));
        TokenKey key = token.credential("auth").key();

        CompletableFuture<byte[]> signing = key.signAsync(SignatureScheme.RSA_PKCS1_SHA256, MESSAGE);
        await("the card is signing").atMost(Duration.ofSeconds(10)).until(() -> card.card.signCommands() == 1);
        card.remove();

        assertThrows(TokenRemovedException.class, () -> CommandQueue.await(signing));
        assertFalse(token.isLoggedIn());
        assertThrows(TokenNotPresentException.class, () -> token.pinStatus(PinRole.USER));

        card.reinsert();
        assertEquals(IDENTITY.authCertificate(), token.credential("auth").certificate());
        assertThrows(LoginRequiredException.class, () -> key.sign(SignatureScheme.RSA_PKCS1_SHA256, MESSAGE));
        token.login(pin(AUTH_PIN));
        byte[] signature = key.sign(SignatureScheme.RSA_PKCS1_SHA256, MESSAGE);
        assertTrue(verifies(IDENTITY.authCertificate(), SignatureScheme.RSA_PKCS1_SHA256, MESSAGE, signature));
    }

    @Test
    void queuedSignsAfterTheRemovedOneFailTooAndNothingIsStuck() throws Exception {
        card = CardInReader.insert(SLOW_SIGN);
        JpkiToken token = open(JpkiConfig.auth());
        token.login(pin(AUTH_PIN));
        TokenKey key = token.credential("auth").key();

        CompletableFuture<byte[]> first = key.signAsync(SignatureScheme.RSA_PKCS1_SHA256, MESSAGE);
        CompletableFuture<byte[]> second = key.signAsync(SignatureScheme.RSA_PKCS1_SHA256, MESSAGE);
        await("the card is signing").atMost(Duration.ofSeconds(10)).until(() -> card.card.signCommands() == 1);
        card.remove();

        assertThrows(TokenRemovedException.class, () -> CommandQueue.await(first));
        // the second finds no card, or the card gone: either way it fails promptly and typed
        Exception e = assertThrows(Exception.class, () -> CommandQueue.await(second));
        assertTrue(e instanceof TokenNotPresentException || e instanceof TokenRemovedException, e.toString());
        assertEquals(1, card.card.signCommands());
    }

    @Test
    void signatureTokenNeedsItsPinAgainAfterReinsertion() throws Exception {
        card = CardInReader.insert();
        JpkiToken token = open(JpkiConfig.sign());
        token.login(pin(SIGN_PIN));
        TokenKey key = token.credential("sign").key();

        card.remove();
        card.reinsert();

        assertThrows(LoginRequiredException.class, () -> key.sign(SignatureScheme.RSA_PKCS1_SHA256, MESSAGE));
        assertThrows(LoginRequiredException.class, token::credentials);
        token.login(pin(SIGN_PIN));
        assertEquals(IDENTITY.signCertificate(), token.credential("sign").certificate());
        assertTrue(verifies(IDENTITY.signCertificate(), SignatureScheme.RSA_PKCS1_SHA256, MESSAGE,
                key.sign(SignatureScheme.RSA_PKCS1_SHA256, MESSAGE)));
    }

    @Test
    void cardPulledBetweenOperationsIsNotPresent() throws Exception {
        card = CardInReader.insert();
        JpkiToken token = open(JpkiConfig.auth());
        token.login(pin(AUTH_PIN));
        card.remove();
        assertThrows(TokenNotPresentException.class, token::credentials);
        assertFalse(token.isLoggedIn());
    }

    @Test
    void openingWithoutACardIsNotPresent() throws Exception {
        card = CardInReader.insert();
        card.remove();
        assertThrows(TokenNotPresentException.class, () -> open(JpkiConfig.auth()));
        card.reinsert();
        assertEquals(3, open(JpkiConfig.auth()).pinStatus(PinRole.USER).retriesLeft());
    }

    @Test
    void openingAnUnknownReaderIsNotPresent() {
        assertThrows(TokenNotPresentException.class, () -> open(JpkiConfig.auth().inReader("No Such Reader 00")));
    }

    @Test
    void listingTheCardKeepsALoggedInTokenLoggedIn() throws Exception {
        card = CardInReader.insert();
        JpkiToken auth = open(JpkiConfig.auth());
        auth.login(pin(AUTH_PIN));
        TokenKey key = auth.credential("auth").key();
        assertEquals(2, provider.presentTokens().size());
        assertTrue(verifies(IDENTITY.authCertificate(), SignatureScheme.RSA_PKCS1_SHA256, MESSAGE,
                key.sign(SignatureScheme.RSA_PKCS1_SHA256, MESSAGE)));
    }

    @Test
    void anotherApplicationSelectingTheJpkiApplicationLogsTheTokenOut() throws Exception {
        card = CardInReader.insert();
        JpkiToken auth = open(JpkiConfig.auth());
        auth.login(pin(AUTH_PIN));
        TokenKey key = auth.credential("auth").key();
        // SELECT AP from elsewhere makes the card forget its verified PINs
        CardChannel other = card.reader.connect("*").getBasicChannel();
        assertEquals(0x9000, other.transmit(new CommandAPDU(0x00, 0xA4, 0x04, 0x0C, JpkiCardProfile.MY_NUMBER_CARD.aid())).getSW());

        assertThrows(LoginRequiredException.class, () -> key.sign(SignatureScheme.RSA_PKCS1_SHA256, MESSAGE));
        assertFalse(auth.isLoggedIn());
        auth.login(pin(AUTH_PIN));
        key.sign(SignatureScheme.RSA_PKCS1_SHA256, MESSAGE);
    }

    @Test
    void anotherProcessSelectingTheCardFaceApplicationIsHealedByReselectingJpki() throws Exception {
        card = CardInReader.insert();
        JpkiToken auth = open(JpkiConfig.auth());
        auth.login(pin(AUTH_PIN));
        TokenKey key = auth.credential("auth").key();
        // another program on the host (OpenSC's opensc-tool, its own process and PC/SC connection) selects the
        // card-face input-support application: the token's next SELECT EF answers 6A82
        String select = "00:A4:04:0C:0A:" + String.join(":", JpkiCardProfile.MY_NUMBER_CARD.otherAidsHex().get(0)
                .split("(?<=\\G..)"));
        Process tool = new ProcessBuilder("opensc-tool", "--reader", CardInReader.READER, "--send-apdu", select)
                .redirectErrorStream(true).start();
        String output = new String(tool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(tool.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "opensc-tool did not finish");
        assertEquals(0, tool.exitValue(), output);
        assertTrue(output.contains("SW1=0x90, SW2=0x00"), output);

        assertEquals(3, auth.pinStatus(PinRole.USER).retriesLeft(), "6A82 healed by selecting JPKI again");
        assertEquals(IDENTITY.authCaCertificate(), auth.caCertificate());
        assertThrows(LoginRequiredException.class, () -> key.sign(SignatureScheme.RSA_PKCS1_SHA256, MESSAGE),
                "selecting JPKI again cleared the card's PIN");
        auth.login(pin(AUTH_PIN));
        assertTrue(verifies(IDENTITY.authCertificate(), SignatureScheme.RSA_PKCS1_SHA256, MESSAGE,
                key.sign(SignatureScheme.RSA_PKCS1_SHA256, MESSAGE)));
    }

    @Test
    void cardResetByAnotherApplicationNeedsLoginAgainAndReadsCarryOn() throws Exception {
        card = CardInReader.insert();
        JpkiToken token = open(JpkiConfig.auth());
        token.login(pin(AUTH_PIN));
        TokenKey key = token.credential("auth").key();

        Card other = card.reader.connect("*");
        other.disconnect(true); // another application resets the card: it forgets the verified PIN

        assertEquals(3, token.pinStatus(PinRole.USER).retriesLeft(), "reads reconnect silently");
        assertThrows(LoginRequiredException.class, () -> key.sign(SignatureScheme.RSA_PKCS1_SHA256, MESSAGE));
        token.login(pin(AUTH_PIN));
        assertTrue(verifies(IDENTITY.authCertificate(), SignatureScheme.RSA_PKCS1_SHA256, MESSAGE,
                key.sign(SignatureScheme.RSA_PKCS1_SHA256, MESSAGE)));
    }

    @Test
    void anotherCardsSignatureIsRefusedAsInvalid() throws Exception {
        card = CardInReader.insert();
        JpkiToken token = open(JpkiConfig.auth());
        token.login(pin(AUTH_PIN));
        TokenKey oldKey = token.credential("auth").key();
        card.close();
        card = CardInReader.insert(JpkiCardEmulator.of(JpkiCardIdentity.generate()));

        token.login(pin(AUTH_PIN));
        TokenDeviceException e = assertThrows(TokenDeviceException.class,
                () -> oldKey.sign(SignatureScheme.RSA_PKCS1_SHA256, MESSAGE));
        assertEquals("SIGNATURE_INVALID", e.deviceCode());
        TokenKey newKey = token.credential("auth").key();
        assertTrue(verifies(token.credential("auth").certificate(), SignatureScheme.RSA_PKCS1_SHA256, MESSAGE,
                newKey.sign(SignatureScheme.RSA_PKCS1_SHA256, MESSAGE)));
    }
}
