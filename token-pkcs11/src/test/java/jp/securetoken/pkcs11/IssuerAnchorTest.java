package jp.securetoken.pkcs11;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import jp.securetoken.api.CredentialMismatchException;
import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.JahisCapability;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.LoginRequiredException;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.TokenKey;
import jp.securetoken.testpki.TestPki;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * A PKCS#11 token keeps its issuer anchor as a private certificate object, written only after login,
 * and then declares issuing-server authentication and refuses chains of other issuers. In order, on
 * one SoftHSM2 token: an anchor planted without the PIN does not count; the real one is recorded.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IssuerAnchorTest {
    private static final TestPki ISSUER = TestPki.create("Regional Network Issuing CA");
    private static final TestPki OTHER = TestPki.create("Another CA");

    @TempDir
    static Path dir;

    @Test
    @Order(1)
    void anAnchorPlantedWithoutThePinDoesNotCountAndNoneCanBeRecordedLoggedOut() throws Exception {
        Path der = Files.write(dir.resolve("planted.der"), OTHER.caCertificate().getEncoded());
        SoftHsm.get();
        // a public certificate object with the reserved label, created without login
        SoftHsm.run("pkcs11-tool", "--module", SoftHsm.MODULE.toString(), "--token-label", "anchors",
                "--write-object", der.toString(), "--type", "cert", "--label", IssuerAnchors.LABEL);
        try (SecureToken token = SoftHsm.open("anchors")) {
            assertThrows(LoginRequiredException.class, () -> token.lifecycle().recordIssuerAnchor(
                    ISSUER.caCertificate()));
            token.login(SoftHsm.userPin());
            assertEquals(List.of(), token.lifecycle().issuerAnchors(), "a public object is not an anchor");
            assertFalse(token.capabilities().supports(JahisCapability.ISSUING_SERVER_AUTHENTICATION));
        }
    }

    @Test
    @Order(2)
    void aRecordedAnchorIsDeclaredAfterLoginAndSurvivesReopening() throws Exception {
        try (SecureToken token = SoftHsm.open("anchors")) {
            token.login(SoftHsm.userPin());
            token.lifecycle().recordIssuerAnchor(ISSUER.caCertificate());
            assertTrue(token.capabilities().supports(JahisCapability.ISSUING_SERVER_AUTHENTICATION));
            assertTrue(token.capabilities().supports(JahisCapability.REMOTE_WRITE_UPDATE));
        }
        try (SecureToken token = SoftHsm.open("anchors")) {
            assertFalse(token.capabilities().supports(JahisCapability.ISSUING_SERVER_AUTHENTICATION));
            assertTrue(token.capabilities().whyAbsent(JahisCapability.ISSUING_SERVER_AUTHENTICATION).orElseThrow()
                    .contains("log in"));
            assertEquals(List.of(), token.lifecycle().issuerAnchors(), "private: not seen before login");
            token.login(SoftHsm.userPin());
            assertEquals(List.of(ISSUER.caCertificate()), token.lifecycle().issuerAnchors());
            assertTrue(token.capabilities().supports(JahisCapability.ISSUING_SERVER_AUTHENTICATION));
            token.lifecycle().recordIssuerAnchor(ISSUER.caCertificate()); // the same again: nothing changes
            CredentialMismatchException moved = assertThrows(CredentialMismatchException.class,
                    () -> token.lifecycle().recordIssuerAnchor(OTHER.caCertificate()));
            assertTrue(moved.getMessage().contains("not moved to another issuer"), moved.getMessage());
        }
    }

    @Test
    @Order(3)
    void aChainOfAnotherIssuerIsRefusedAndTheAnchorsChainIsWritten() throws Exception {
        try (SecureToken token = SoftHsm.open("anchors")) {
            token.login(SoftHsm.userPin());
            TokenKey key = token.lifecycle().generateKeyPair("node", KeyAlgorithm.EC_P256);
            CredentialMismatchException e = assertThrows(CredentialMismatchException.class,
                    () -> token.lifecycle().writeCredential("node", OTHER.issue("clinic").clientAuth()
                            .certifyChain(key.publicKey()), CredentialUsage.NODE_AUTHENTICATION));
            assertTrue(e.getMessage().contains("issuing-server authentication failed"), e.getMessage());
            token.lifecycle().writeCredential("node", ISSUER.issue("clinic").clientAuth().certifyChain(key.publicKey()),
                    CredentialUsage.NODE_AUTHENTICATION);
            assertEquals(ISSUER.caCertificate(), token.credential("node").chain().get(1));
        }
    }
}
