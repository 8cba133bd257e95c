package jp.securetoken.soft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;

import jp.securetoken.api.CredentialMismatchException;
import jp.securetoken.api.CredentialNotFoundException;
import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.SecureToken;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link SoftTokens#importCredential}: a key made outside comes in only with its own certificate, and only a strong one. */
class ImportTest {
    @TempDir
    Path dir;

    private static KeyPair keys(String algorithm, Object parameter) throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
        if (parameter instanceof Integer bits) {
            g.initialize(bits);
        } else {
            g.initialize(new ECGenParameterSpec((String) parameter));
        }
        return g.generateKeyPair();
    }

    private SecureToken token(String name) throws Exception {
        SecureToken token = SoftTokens.open(Fixtures.create(dir, name));
        token.login(Fixtures.pin(Fixtures.USER_PIN));
        return token;
    }

    @Test
    void aKeyAndItsChainAreImportedAndSurviveReopening() throws Exception {
        TestPki pki = TestPki.create("Import CA");
        HeldCertificate held = pki.issue("clinic").clientAuth().keyPair(keys("EC", "secp256r1")).build();
        try (SecureToken token = token("imported")) {
            SoftTokens.importCredential(token, "node", held.keyPair().getPrivate(), held.chain(),
                    CredentialUsage.NODE_AUTHENTICATION);
        }
        try (SecureToken again = SoftTokens.open(dir.resolve("imported.stk"))) {
            again.login(Fixtures.pin(Fixtures.USER_PIN));
            assertEquals(held.certificate(), again.credential("node").certificate());
        }
    }

    @Test
    void aKeyThatIsNotTheCertificatesIsRefused() throws Exception {
        TestPki pki = TestPki.create("Import CA");
        HeldCertificate held = pki.issue("clinic").clientAuth().keyPair(keys("EC", "secp256r1")).build();
        KeyPair other = keys("EC", "secp256r1");
        try (SecureToken token = token("mismatch")) {
            CredentialMismatchException e = assertThrows(CredentialMismatchException.class, () ->
                    SoftTokens.importCredential(token, "node", other.getPrivate(), held.chain(),
                            CredentialUsage.NODE_AUTHENTICATION));
            assertTrue(e.getMessage().contains("does not belong to the certificate"), e.getMessage());
            assertThrows(CredentialNotFoundException.class, () -> token.credential("node"));
        }
    }

    @Test
    void weakKeysAndUnknownCurvesAreRefused() throws Exception {
        TestPki pki = TestPki.create("Import CA");
        for (KeyPair weak : new KeyPair[] {keys("RSA", 1024), keys("EC", "secp521r1")}) {
            HeldCertificate held = pki.issue("weak").clientAuth().keyPair(weak).build();
            try (SecureToken token = token("weak-" + weak.getPublic().getAlgorithm())) {
                CredentialMismatchException e = assertThrows(CredentialMismatchException.class, () ->
                        SoftTokens.importCredential(token, "node", weak.getPrivate(), held.chain(),
                                CredentialUsage.NODE_AUTHENTICATION));
                assertTrue(e.getMessage().contains("not one a software token holds"), e.getMessage());
            }
        }
    }
}
