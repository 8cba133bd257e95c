package jp.securetoken.jpki;

import static jp.securetoken.jpki.CardInReader.AUTH_PIN;
import static jp.securetoken.jpki.CardInReader.IDENTITY;
import static jp.securetoken.jpki.CardInReader.SIGN_PIN;
import static jp.securetoken.jpki.CardInReader.pin;
import static jp.securetoken.jpki.CardInReader.verifies;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import jp.securetoken.api.CapabilityNotSupportedException;
import jp.securetoken.api.Credential;
import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.JahisCapability;
import jp.securetoken.api.LoginRequiredException;
import jp.securetoken.api.OperationNotSupportedException;
import jp.securetoken.api.PinCallback;
import jp.securetoken.api.PinEntryCancelledException;
import jp.securetoken.api.PinFormatException;
import jp.securetoken.api.PinIncorrectException;
import jp.securetoken.api.PinLockedException;
import jp.securetoken.api.PinRole;
import jp.securetoken.api.PinStatus;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenClosedException;
import jp.securetoken.api.TokenKey;
import jp.securetoken.api.UnsupportedSignatureSchemeException;
import jp.securetoken.jpki.emulator.JpkiPinRole;
import jp.securetoken.jpki.emulator.PcscdExtension;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** {@link JpkiToken} against the emulated card through pcscd's vpcd reader and javax.smartcardio. */
@ExtendWith(PcscdExtension.class)
class JpkiTokenTest {
    private static final byte[] MESSAGE = "order 42: 10 mg".getBytes(StandardCharsets.UTF_8);

    private final JpkiTokenProvider provider = new JpkiTokenProvider();
    private CardInReader card;
    private final List<SecureToken> opened = new ArrayList<>();

    @BeforeEach
    void insertCard() {
        card = CardInReader.insert();
    }

    @AfterEach
    void removeCard() {
        opened.forEach(SecureToken::close);
        card.close();
    }

    private JpkiToken open(JpkiConfig config) throws Exception {
        JpkiToken token = (JpkiToken) provider.open(config);
        opened.add(token);
        return token;
    }

    private JpkiToken auth() throws Exception {
        return open(JpkiConfig.auth().inReader(CardInReader.READER));
    }

    private JpkiToken sign() throws Exception {
        return open(JpkiConfig.sign().inReader(CardInReader.READER));
    }

    @Test
    void authCertificateAndCaAreReadWithoutPin() throws Exception {
        Credential c = auth().credential("auth");
        assertEquals(List.of(IDENTITY.authCertificate(), IDENTITY.authCaCertificate()), c.chain());
        assertEquals(CredentialUsage.NODE_AUTHENTICATION, c.usage());
        assertEquals(IDENTITY.authCertificate().getPublicKey(), c.key().publicKey());
        assertEquals(0, card.card.verifyCommands(JpkiPinRole.AUTHENTICATION));
    }

    @Test
    void signCertificateNeedsTheSignaturePin() throws Exception {
        JpkiToken token = sign();
        assertEquals(IDENTITY.signCaCertificate(), token.caCertificate());
        assertThrows(LoginRequiredException.class, token::credentials);

        token.login(pin(SIGN_PIN));

        Credential c = token.credential("sign");
        assertEquals(List.of(IDENTITY.signCertificate(), IDENTITY.signCaCertificate()), c.chain());
        assertEquals(CredentialUsage.DOCUMENT_SIGNING, c.usage());
    }

    @Test
    void signCertificateIsForgottenAfterLogout() throws Exception {
        JpkiToken token = sign();
        token.login(pin(SIGN_PIN));
        token.credentials();
        token.logout();
        assertFalse(token.isLoggedIn());
        assertThrows(LoginRequiredException.class, token::credentials);
    }

    @Test
    void credentialTextCarriesNoPersonalData() throws Exception {
        JpkiToken token = sign();
        token.login(pin(SIGN_PIN));
        String text = token.credential("sign").toString();
        String cn = IDENTITY.signCertificate().getSubjectX500Principal().getName();
        assertFalse(text.contains(cn.substring(cn.indexOf("CN=") + 3, cn.indexOf("CN=") + 8)), text);
    }

    @Test
    void pinStatusSpendsNoTry() throws Exception {
        JpkiToken auth = auth();
        JpkiToken sign = sign();
        assertEquals(PinStatus.of(PinRole.USER, 3, 3), auth.pinStatus(PinRole.USER));
        assertEquals(PinStatus.of(PinRole.USER, 5, 5), sign.pinStatus(PinRole.USER));
        assertEquals(PinStatus.of(PinRole.USER, 3, 3), auth.pinStatus(PinRole.USER));
        assertEquals(0, card.card.verifyCommands(JpkiPinRole.AUTHENTICATION));
    }

    @Test
    void loginWithTheRightPin() throws Exception {
        JpkiToken token = auth();
        assertFalse(token.isLoggedIn());
        token.login(pin(AUTH_PIN));
        assertTrue(token.isLoggedIn());
    }

    @Test
    void wrongPinsCountDownThenLockAndTheLockedPinIsNeverSent() throws Exception {
        JpkiToken token = auth();
        for (int left = 2; left >= 0; left--) {
            PinIncorrectException e = assertThrows(PinIncorrectException.class, () -> token.login(pin("0000")));
            assertEquals(left, e.retriesLeft());
            assertEquals(left, token.pinStatus(PinRole.USER).retriesLeft());
        }
        assertTrue(token.pinStatus(PinRole.USER).locked());
        assertEquals(3, card.card.verifyCommands(JpkiPinRole.AUTHENTICATION));

        AtomicInteger asked = new AtomicInteger();
        PinCallback right = request -> {
            asked.incrementAndGet();
            return AUTH_PIN.toCharArray();
        };
        assertThrows(PinLockedException.class, () -> token.login(right));
        assertThrows(PinLockedException.class, () -> token.changePin(PinRole.USER, right, pin("5678")));

        assertEquals(0, asked.get(), "a locked PIN is not even asked for");
        assertEquals(3, card.card.verifyCommands(JpkiPinRole.AUTHENTICATION), "no VERIFY after the lock");
        assertFalse(token.isLoggedIn());
    }

    @Test
    void signaturePinLocksAfterFiveWrongTries() throws Exception {
        JpkiToken token = sign();
        for (int left = 4; left >= 0; left--) {
            assertEquals(left, assertThrows(PinIncorrectException.class, () -> token.login(pin("WRONG1")))
                    .retriesLeft());
        }
        assertThrows(PinLockedException.class, () -> token.login(pin(SIGN_PIN)));
        assertEquals(5, card.card.verifyCommands(JpkiPinRole.SIGNATURE));
        assertEquals(0, card.card.triesLeft(JpkiPinRole.SIGNATURE));
    }

    @Test
    void authPinOfTheWrongFormSpendsNoTry() throws Exception {
        JpkiToken token = auth();
        for (String bad : List.of("123", "12345", "12a4", "１２３４", "")) {
            assertThrows(PinFormatException.class, () -> token.login(pin(bad)), bad);
        }
        assertEquals(3, card.card.triesLeft(JpkiPinRole.AUTHENTICATION));
        assertEquals(0, card.card.verifyCommands(JpkiPinRole.AUTHENTICATION));
    }

    @Test
    void signaturePinOfTheWrongFormSpendsNoTry() throws Exception {
        JpkiToken token = sign();
        for (String bad : List.of("AB123", "ABCDEFGH123456789", "SIGN-123", "SIGN 123", "ＳＩＧＮ１２３")) {
            assertThrows(PinFormatException.class, () -> token.login(pin(bad)), bad);
        }
        assertEquals(5, card.card.triesLeft(JpkiPinRole.SIGNATURE));
        assertEquals(0, card.card.verifyCommands(JpkiPinRole.SIGNATURE));
    }

    @Test
    void signaturePinIsUppercased() throws Exception {
        JpkiToken token = sign();
        token.login(pin(SIGN_PIN.toLowerCase()));
        assertTrue(token.isLoggedIn());
    }

    @Test
    void cancelledPinEntrySpendsNoTry() throws Exception {
        JpkiToken token = auth();
        assertThrows(PinEntryCancelledException.class, () -> token.login(request -> null));
        assertEquals(0, card.card.verifyCommands(JpkiPinRole.AUTHENTICATION));
    }

    @Test
    void thePinCallbackIsToldTheTriesLeftAndTheRule() throws Exception {
        JpkiToken token = auth();
        assertThrows(PinIncorrectException.class, () -> token.login(pin("0000")));
        List<String> seen = new ArrayList<>();
        token.login(request -> {
            seen.add(request.retriesLeft() + " " + request.rule() + " " + request.purpose());
            return AUTH_PIN.toCharArray();
        });
        assertEquals(List.of("2 4 digits login"), seen);
    }

    @Test
    void thePinIsAskedForOutsideTheCardTransaction() throws Exception {
        JpkiToken auth = auth();
        JpkiToken sign = sign();
        CompletableFuture<X509Certificate> readMeanwhile = new CompletableFuture<>();
        auth.login(request -> {
            // while the person types, the card's other token uses the card
            try {
                readMeanwhile.complete(CompletableFuture.supplyAsync(() -> {
                    try {
                        return sign.caCertificate();
                    } catch (Exception e) {
                        throw new CompletionException(e);
                    }
                }).get(5, TimeUnit.SECONDS));
            } catch (Exception e) {
                readMeanwhile.completeExceptionally(e);
            }
            return AUTH_PIN.toCharArray();
        });
        assertEquals(IDENTITY.signCaCertificate(), readMeanwhile.get(1, TimeUnit.SECONDS));
        assertTrue(auth.isLoggedIn());
    }

    @Test
    void pinArrayIsWipedAfterUse() throws Exception {
        char[] given = AUTH_PIN.toCharArray();
        auth().login(request -> given);
        assertEquals("\0\0\0\0", new String(given));
    }

    @Test
    void signsSha256AndVerifiesWithTheCertificate() throws Exception {
        JpkiToken token = auth();
        token.login(pin(AUTH_PIN));
        TokenKey key = token.credential("auth").key();
        byte[] signature = key.sign(SignatureScheme.RSA_PKCS1_SHA256, MESSAGE);
        assertTrue(verifies(IDENTITY.authCertificate(), SignatureScheme.RSA_PKCS1_SHA256, MESSAGE, signature));
        assertEquals(1, card.card.signCommands());
    }

    @Test
    void signsEveryDeclaredHash() throws Exception {
        JpkiToken token = auth();
        token.login(pin(AUTH_PIN));
        TokenKey key = token.credential("auth").key();
        for (SignatureScheme s : token.signatureSchemes()) {
            byte[] digest = MessageDigest.getInstance(s.digestAlgorithm()).digest(MESSAGE);
            byte[] signature = key.signDigest(s, digest);
            assertTrue(verifies(IDENTITY.authCertificate(), s, MESSAGE, signature), s.toString());
        }
    }

    @Test
    void signatureKeySignsSha384AfterItsPin() throws Exception {
        JpkiToken token = sign();
        token.login(pin(SIGN_PIN));
        byte[] signature = token.credential("sign").key().sign(SignatureScheme.RSA_PKCS1_SHA384, MESSAGE);
        assertTrue(verifies(IDENTITY.signCertificate(), SignatureScheme.RSA_PKCS1_SHA384, MESSAGE, signature));
    }

    @Test
    void declaresOnlyPkcs1Schemes() throws Exception {
        assertEquals(EnumSet.of(SignatureScheme.RSA_PKCS1_SHA1, SignatureScheme.RSA_PKCS1_SHA256,
                SignatureScheme.RSA_PKCS1_SHA384, SignatureScheme.RSA_PKCS1_SHA512), auth().signatureSchemes());
    }

    @Test
    void pssIsRefusedWithoutTouchingTheCard() throws Exception {
        JpkiToken token = auth();
        token.login(pin(AUTH_PIN));
        TokenKey key = token.credential("auth").key();
        assertThrows(UnsupportedSignatureSchemeException.class, () -> key.sign(SignatureScheme.RSA_PSS_SHA256, MESSAGE));
        assertThrows(IllegalArgumentException.class, () -> key.signDigest(SignatureScheme.RSA_PKCS1_SHA256, new byte[20]));
        assertEquals(0, card.card.signCommands());
    }

    @Test
    void signingNeedsLogin() throws Exception {
        JpkiToken token = auth();
        TokenKey key = token.credential("auth").key();
        assertThrows(LoginRequiredException.class, () -> key.sign(SignatureScheme.RSA_PKCS1_SHA256, MESSAGE));
        token.login(pin(AUTH_PIN));
        key.sign(SignatureScheme.RSA_PKCS1_SHA256, MESSAGE);
        token.logout();
        assertThrows(LoginRequiredException.class, () -> key.sign(SignatureScheme.RSA_PKCS1_SHA256, MESSAGE));
    }

    @Test
    void changesThePin() throws Exception {
        JpkiToken token = auth();
        token.changePin(PinRole.USER, pin(AUTH_PIN), pin("5678"));
        token.logout();
        assertEquals(2, assertThrows(PinIncorrectException.class, () -> token.login(pin(AUTH_PIN))).retriesLeft());
        token.login(pin("5678"));
        assertTrue(token.isLoggedIn());
    }

    @Test
    void changesTheSignaturePinUppercased() throws Exception {
        JpkiToken token = sign();
        token.changePin(PinRole.USER, pin(SIGN_PIN), pin("newpin99"));
        token.logout();
        token.login(pin("NEWPIN99"));
        assertTrue(token.isLoggedIn());
    }

    @Test
    void newPinOfTheWrongFormIsRefusedBeforeVerify() throws Exception {
        JpkiToken token = auth();
        assertThrows(PinFormatException.class, () -> token.changePin(PinRole.USER, pin(AUTH_PIN), pin("12345")));
        assertEquals(0, card.card.verifyCommands(JpkiPinRole.AUTHENTICATION));
        token.login(pin(AUTH_PIN));
    }

    @Test
    void changeWithAWrongCurrentPinSpendsATry() throws Exception {
        JpkiToken token = auth();
        assertEquals(2, assertThrows(PinIncorrectException.class,
                () -> token.changePin(PinRole.USER, pin("0000"), pin("5678"))).retriesLeft());
        token.login(pin(AUTH_PIN));
    }

    @Test
    void declaresItsJahisCapabilities() throws Exception {
        JpkiToken token = auth();
        assertEquals(EnumSet.of(JahisCapability.CREDENTIAL_STORAGE, JahisCapability.ENTITY_AUTHENTICATION,
                JahisCapability.SIGNATURE_GENERATION), token.capabilities().supported());
        assertTrue(token.capabilities().missingMandatory(JahisCapability.Phase.NORMAL_USE).isEmpty());
        assertTrue(token.capabilities().whyAbsent(JahisCapability.ISSUING_SERVER_AUTHENTICATION).orElseThrow()
                .contains("municipal office"));
    }

    @Test
    void userDataAndLifecycleNameTheMissingCapability() throws Exception {
        JpkiToken token = auth();
        assertEquals(JahisCapability.USER_DATA_STORAGE,
                assertThrows(CapabilityNotSupportedException.class, token::userData).capability());
        assertEquals(JahisCapability.CREDENTIAL_WRITE_UPDATE,
                assertThrows(CapabilityNotSupportedException.class, token::lifecycle).capability());
    }

    @Test
    void pinUnlockAndAdministratorPinAreNotSupported() throws Exception {
        JpkiToken token = auth();
        assertThrows(OperationNotSupportedException.class, () -> token.unlockUserPin(pin("0000"), pin("1111")));
        assertThrows(OperationNotSupportedException.class, () -> token.pinStatus(PinRole.ADMINISTRATOR));
        assertThrows(OperationNotSupportedException.class,
                () -> token.changePin(PinRole.ADMINISTRATOR, pin("0000"), pin("1111")));
    }

    @Test
    void concurrentCallersAreSerialisedOnTheQueue() throws Exception {
        JpkiToken token = auth();
        token.login(pin(AUTH_PIN));
        TokenKey key = token.credential("auth").key();
        ExecutorService pool = Executors.newFixedThreadPool(6);
        try {
            List<Future<?>> results = new ArrayList<>();
            for (int i = 0; i < 36; i++) {
                byte[] data = ("message " + i).getBytes(StandardCharsets.UTF_8);
                int n = i;
                results.add(pool.submit(() -> {
                    if (n % 3 == 0) {
                        // selects the PIN EF: interleaved with a sign's SELECT key EF + SIGN it would break it
                        assertEquals(3, token.pinStatus(PinRole.USER).retriesLeft());
                    } else if (n % 3 == 1) {
                        assertEquals(IDENTITY.authCaCertificate(), token.caCertificate());
                    } else {
                        byte[] s = key.sign(SignatureScheme.RSA_PKCS1_SHA256, data);
                        assertTrue(verifies(IDENTITY.authCertificate(), SignatureScheme.RSA_PKCS1_SHA256, data, s));
                    }
                    return null;
                }));
            }
            for (Future<?> f : results) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(12, card.card.signCommands());
    }

    @Test
    void bothTokensOfOneCardSignConcurrentlyWithoutInterleaving() throws Exception {
        JpkiToken auth = auth();
        JpkiToken sign = sign();
        auth.login(pin(AUTH_PIN));
        sign.login(pin(SIGN_PIN));
        TokenKey authKey = auth.credential("auth").key();
        TokenKey signKey = sign.credential("sign").key();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> results = new ArrayList<>();
            for (int i = 0; i < 24; i++) {
                boolean useAuth = i % 2 == 0;
                byte[] data = ("document " + i).getBytes(StandardCharsets.UTF_8);
                results.add(pool.submit(() -> {
                    // interleaved, one token's SIGN would run with the other's key EF selected
                    byte[] s = (useAuth ? authKey : signKey).sign(SignatureScheme.RSA_PKCS1_SHA256, data);
                    assertTrue(verifies(useAuth ? IDENTITY.authCertificate() : IDENTITY.signCertificate(),
                            SignatureScheme.RSA_PKCS1_SHA256, data, s));
                    return null;
                }));
            }
            for (Future<?> f : results) {
                f.get(30, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(24, card.card.signCommands());
    }

    @Test
    void closingOneTokenLeavesTheOtherLoggedIn() throws Exception {
        JpkiToken auth = auth();
        JpkiToken sign = sign();
        sign.login(pin(SIGN_PIN));
        auth.close();
        TokenKey key = sign.credential("sign").key();
        assertTrue(verifies(IDENTITY.signCertificate(), SignatureScheme.RSA_PKCS1_SHA256, MESSAGE,
                key.sign(SignatureScheme.RSA_PKCS1_SHA256, MESSAGE)));
    }

    @Test
    void openingTheCardsSecondTokenKeepsTheFirstLoggedIn() throws Exception {
        JpkiToken auth = auth();
        auth.login(pin(AUTH_PIN));
        TokenKey key = auth.credential("auth").key();
        sign();
        assertTrue(verifies(IDENTITY.authCertificate(), SignatureScheme.RSA_PKCS1_SHA256, MESSAGE,
                key.sign(SignatureScheme.RSA_PKCS1_SHA256, MESSAGE)));
    }

    @Test
    void closedTokenRefusesWork() throws Exception {
        JpkiToken token = auth();
        token.login(pin(AUTH_PIN));
        token.close();
        assertFalse(token.isLoggedIn());
        assertThrows(TokenClosedException.class, () -> token.pinStatus(PinRole.USER));
    }

    @Test
    void bothTokensOfOneCardWorkSideBySide() throws Exception {
        JpkiToken auth = auth();
        JpkiToken sign = sign();
        auth.login(pin(AUTH_PIN));
        sign.login(pin(SIGN_PIN));
        byte[] a = auth.credential("auth").key().sign(SignatureScheme.RSA_PKCS1_SHA256, MESSAGE);
        byte[] s = sign.credential("sign").key().sign(SignatureScheme.RSA_PKCS1_SHA256, MESSAGE);
        assertTrue(verifies(IDENTITY.authCertificate(), SignatureScheme.RSA_PKCS1_SHA256, MESSAGE, a));
        assertTrue(verifies(IDENTITY.signCertificate(), SignatureScheme.RSA_PKCS1_SHA256, MESSAGE, s));
    }
}
