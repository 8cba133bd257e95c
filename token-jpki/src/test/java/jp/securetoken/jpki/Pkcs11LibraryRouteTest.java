package jp.securetoken.jpki;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.time.Duration;
import javax.smartcardio.CardTerminal;
import jp.securetoken.api.Credential;
import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.PinIncorrectException;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.jpki.emulator.JpkiCardEmulator;
import jp.securetoken.jpki.emulator.JpkiCardIdentity;
import jp.securetoken.jpki.emulator.JpkiPinRole;
import jp.securetoken.jpki.emulator.PcscReader;
import jp.securetoken.jpki.emulator.PcscdExtension;
import jp.securetoken.jpki.emulator.VpcdCardConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JPKI PKCS#11 library route, with OpenSC's {@code opensc-pkcs11.so} standing in for the
 * official library, over the emulated card in pcscd's vpcd reader; the library is found through a
 * load-path file as the official client software writes it.
 */
@ExtendWith(PcscdExtension.class)
class Pkcs11LibraryRouteTest {
    private static final JpkiCardIdentity IDENTITY = JpkiCardIdentity.generate();
    private static final String OPENSC = System.getProperty("jpki.test.opensc.module");
    private static final byte[] DATA = "document to sign".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private CardTerminal reader;
    private VpcdCardConnection connection;
    private JpkiCardEmulator card;
    private JpkiLoadPath loadPath;

    @BeforeEach
    void insertCardAndInstallLoadPath() throws Exception {
        reader = PcscReader.vpcd();
        card = JpkiCardEmulator.of(IDENTITY);
        connection = VpcdCardConnection.builder(card).build();
        connection.insert();
        PcscReader.awaitCard(reader, true);
        Path file = Files.writeString(dir.resolve("default.dat"),
                "name=JPKI_Appli-01\npathAuth64=" + OPENSC + "\npathSign64=" + OPENSC + "\n");
        loadPath = JpkiLoadPath.read(file);
    }

    @AfterEach
    void removeCard() {
        connection.close();
        PcscReader.awaitCard(reader, false);
    }

    private static boolean verifies(X509Certificate certificate, byte[] signature) throws Exception {
        Signature v = Signature.getInstance("SHA256withRSA");
        v.initVerify(certificate);
        v.update(DATA);
        return v.verify(signature);
    }

    @Test
    void theAuthenticationTokenSignsThroughTheLibraryAndTheSignatureVerifies() throws Exception {
        try (SecureToken token = JpkiPkcs11Route.open(JpkiTokenType.AUTH, loadPath)) {
            assertTrue(token.info().label().contains("User Authentication"), token.info().label());
            token.login(request -> IDENTITY.pin(JpkiPinRole.AUTHENTICATION).toCharArray());
            Credential auth = token.credentials().get(0);
            assertEquals(IDENTITY.authCertificate(), auth.certificate());
            assertEquals(java.util.Set.of(SignatureScheme.RSA_PKCS1_SHA256, SignatureScheme.RSA_PKCS1_SHA384,
                    SignatureScheme.RSA_PKCS1_SHA512), auth.key().signatureSchemes());
            assertTrue(verifies(IDENTITY.authCertificate(), auth.key().sign(SignatureScheme.RSA_PKCS1_SHA256, DATA)));
            assertEquals(CredentialUsage.NODE_AUTHENTICATION, auth.usage());
        }
    }

    @Test
    void aWrongPinThroughTheLibraryIsPinIncorrectAndSpendsOneTry() throws Exception {
        try (SecureToken token = JpkiPkcs11Route.open(JpkiTokenType.AUTH, loadPath)) {
            assertThrows(PinIncorrectException.class, () -> token.login(request -> "0000".toCharArray()));
            assertEquals(2, card.triesLeft(JpkiPinRole.AUTHENTICATION));
        }
    }

    @Test
    void theSignatureTokenIsFoundByItsLabelAndSignsAfterLogin() throws Exception {
        try (SecureToken token = JpkiPkcs11Route.open(JpkiTokenType.SIGN, loadPath)) {
            assertTrue(token.info().label().contains("Digital Signature"), token.info().label());
            token.login(request -> IDENTITY.pin(JpkiPinRole.SIGNATURE).toCharArray());
            Credential sign = token.credentials().get(0);
            assertEquals(IDENTITY.signCertificate(), sign.certificate());
            assertTrue(verifies(IDENTITY.signCertificate(), sign.key().sign(SignatureScheme.RSA_PKCS1_SHA256, DATA)));
            assertEquals(CredentialUsage.DOCUMENT_SIGNING, sign.usage());
        }
    }

    @Test
    void aCardPulledFromUnderTheModuleIsATypedErrorAndWorksAgainAfterANewLoginOnceBack() throws Exception {
        try (SecureToken token = JpkiPkcs11Route.open(JpkiTokenType.AUTH, loadPath)) {
            token.login(request -> IDENTITY.pin(JpkiPinRole.AUTHENTICATION).toCharArray());
            Credential auth = token.credentials().get(0);
            assertTrue(verifies(IDENTITY.authCertificate(), auth.key().sign(SignatureScheme.RSA_PKCS1_SHA256, DATA)));

            connection.remove();
            PcscReader.awaitCard(reader, false);
            jp.securetoken.api.TokenException gone = assertThrows(jp.securetoken.api.TokenException.class,
                    () -> auth.key().sign(SignatureScheme.RSA_PKCS1_SHA256, DATA));
            assertTrue(gone instanceof jp.securetoken.api.TokenRemovedException
                    || gone instanceof jp.securetoken.api.TokenNotPresentException, gone::toString);
            assertTrue(!token.isLoggedIn(), "the login went with the device");
            assertThrows(jp.securetoken.api.LoginRequiredException.class, token::credentials);

            connection.insert(); // the same card back in the reader (it was powered off: no PIN verified)
            PcscReader.awaitCard(reader, true);
            // once the library lists the token again, the first login works: the token makes a new SunPKCS11
            // instance for the slot (the old one would wait for its own poller, seconds later)
            jp.securetoken.pkcs11.Pkcs11TokenProvider library = new jp.securetoken.pkcs11.Pkcs11TokenProvider(
                    Path.of(OPENSC), Duration.ofSeconds(1));
            await().atMost(Duration.ofSeconds(20)).until(() -> library.presentTokens().stream()
                    .anyMatch(t -> t.label().equals(token.info().label())));
            token.login(request -> IDENTITY.pin(JpkiPinRole.AUTHENTICATION).toCharArray());
            assertTrue(token.isLoggedIn());
            assertEquals(3, card.triesLeft(JpkiPinRole.AUTHENTICATION), "no try spent while the card was away");
            Credential again = token.credentials().get(0);
            assertEquals(IDENTITY.authCertificate(), again.certificate());
            assertTrue(verifies(IDENTITY.authCertificate(), again.key().sign(SignatureScheme.RSA_PKCS1_SHA256, DATA)));
        }
    }
}
