package jp.securetoken.jpki;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

import jp.securetoken.api.Credential;
import jp.securetoken.api.LoginRequiredException;
import jp.securetoken.api.PinIncorrectException;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SecureTokens;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenBusyException;
import jp.securetoken.testpki.TestPki;
import jp.securetoken.testsupport.SoftHsm2;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The official JPKI PKCS#11 library route ({@code jpki:auth?route=pkcs11}) on a SoftHSM2 token laid
 * out as the specification's table 5-2 says: USERCERT, CACERT and USERKEY, CKA_ID the SHA-256 of the
 * modulus, every object private. One library at a time, C_Finalize at close.
 */
class JpkiLibraryRouteTest {
    static final String PIN = "4321";
    static final TestPki JLIS = TestPki.create("JPKI for user authentication");
    static KeyPair userKeys;
    static X509Certificate userCertificate;
    static String uri;

    @BeforeAll
    static void layOutTheToken() throws Exception {
        Path dir = Path.of(System.getProperty("softhsm.jpki.dir"));
        if (Files.exists(dir)) {
            try (Stream<Path> walk = Files.walk(dir)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        SoftHsm2 hsm = SoftHsm2.create(Files.createDirectories(dir));
        assertEquals(hsm.configuration().toString(), System.getenv("SOFTHSM2_CONF"));
        hsm.initToken("JPKI", PIN, "87654321");
        userKeys = TestPki.Keys.rsa(2048);
        userCertificate = JLIS.issue("JPKI user").clientAuth().certify(userKeys.getPublic());
        hsm.jpkiLayout("JPKI", PIN, userKeys, userCertificate, JLIS.caCertificate(), dir);
        uri = "jpki:auth?route=pkcs11&module-path=" + SoftHsm2.MODULE;
    }

    @Test
    void theCredentialIsFoundByTheOfficialLabelsAfterLoginAndSigns() throws Exception {
        byte[] data = "challenge".getBytes(StandardCharsets.UTF_8);
        try (SecureToken token = SecureTokens.discover().open(uri)) {
            assertThrows(LoginRequiredException.class, token::credentials, "the library's objects are private");
            assertEquals(List.of(), token.objects());
            assertThrows(PinIncorrectException.class, () -> token.login(request -> "9999".toCharArray()));
            token.login(request -> PIN.toCharArray());
            Credential auth = token.credential("auth");
            assertEquals(List.of(userCertificate, JLIS.caCertificate()), auth.chain());
            byte[] signature = auth.key().sign(SignatureScheme.RSA_PKCS1_SHA256, data);
            Signature v = Signature.getInstance("SHA256withRSA");
            v.initVerify(userCertificate);
            v.update(data);
            assertTrue(v.verify(signature));
            auth.key().sign(SignatureScheme.RSA_PKCS1_SHA384, data); // repeated signing reuses the session
            assertEquals(List.of("USERCERT", "CACERT"), token.objects().stream().map(o -> o.label()).toList());
        }
    }

    @Test
    void oneLibraryAtATimeAndFinalizedAtClose() throws Exception {
        SecureToken first = SecureTokens.discover().open(uri);
        try {
            assertEquals(Optional.of(SoftHsm2.MODULE), JpkiLibraryToken.loadedLibrary());
            assertThrows(TokenBusyException.class, () -> SecureTokens.discover().open(
                    "jpki:sign?route=pkcs11&module-path=" + SoftHsm2.MODULE));
        } finally {
            first.close();
        }
        assertEquals(Optional.empty(), JpkiLibraryToken.loadedLibrary());
        // C_Finalize ran: the library initialises afresh for the next token
        try (SecureToken again = SecureTokens.discover().open(uri)) {
            again.login(request -> PIN.toCharArray());
            assertEquals(userCertificate, again.credential("auth").certificate());
        }
    }
}
