package jp.securetoken.soft;

import static jp.securetoken.soft.Fixtures.USER_PIN;
import static jp.securetoken.soft.Fixtures.pin;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

import javax.security.auth.x500.X500Principal;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import jp.securetoken.api.CapabilityNotSupportedException;
import jp.securetoken.api.Credential;
import jp.securetoken.api.CredentialMismatchException;
import jp.securetoken.api.CredentialNotFoundException;
import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.InvalidCertificateException;
import jp.securetoken.api.JahisCapability;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.LoginRequiredException;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenKey;
import jp.securetoken.testpki.HeldCertificate;
import jp.securetoken.testpki.TestPki;

class LifecycleTest {
    private static final byte[] DATA = "hello".getBytes(StandardCharsets.UTF_8);
    private final TestPki pki = TestPki.create("Lifecycle Test CA");

    @TempDir
    Path dir;

    private SecureToken loggedIn() throws Exception {
        SecureToken token = SoftTokens.open(Fixtures.create(dir, "life"));
        token.login(pin(USER_PIN));
        return token;
    }

    @Test
    void generatedKeyWithItsCertificateBecomesACredential() throws Exception {
        try (SecureToken token = loggedIn()) {
            TokenKey pending = token.lifecycle().generateKeyPair("node", KeyAlgorithm.EC_P384);
            assertTrue(token.credentials().isEmpty(), "a pending key is not a credential yet");
            List<X509Certificate> chain = pki.issue("node").clientAuth().certifyChain(pending.publicKey());
            Credential written = token.lifecycle().writeCredential("node", chain, CredentialUsage.NODE_AUTHENTICATION);
            assertEquals(chain, written.chain());
            assertEquals(CredentialUsage.NODE_AUTHENTICATION, token.credential("node").usage());
            byte[] sig = written.key().sign(SignatureScheme.ECDSA_P384_SHA384, DATA);
            assertTrue(Fixtures.verifies(written.certificate().getPublicKey(), SignatureScheme.ECDSA_P384_SHA384,
                    DATA, sig));
        }
    }

    @Test
    void certificatesAreReadableWithoutLogin() throws Exception {
        Path file;
        List<X509Certificate> chain;
        try (SecureToken token = loggedIn()) {
            chain = Fixtures.issue(token, pki, "node", KeyAlgorithm.EC_P256).chain();
            file = Path.of(token.info().uri().getPath());
        }
        try (SecureToken token = SoftTokens.open(file)) {
            assertFalse(token.isLoggedIn());
            assertEquals(chain, token.credential("node").chain());
        }
    }

    @Test
    void lifecycleNeedsLogin() throws Exception {
        try (SecureToken token = SoftTokens.open(Fixtures.create(dir, "nologin"))) {
            assertThrows(LoginRequiredException.class,
                    () -> token.lifecycle().generateKeyPair("node", KeyAlgorithm.EC_P256));
            assertThrows(LoginRequiredException.class, () -> token.lifecycle()
                    .createCertificationRequest("node", new X500Principal("CN=node")));
        }
    }

    @Test
    void certificationRequestParsesWithBouncyCastleAndItsSignatureVerifies() throws Exception {
        try (SecureToken token = loggedIn()) {
            for (KeyAlgorithm algorithm : new KeyAlgorithm[] {KeyAlgorithm.EC_P256, KeyAlgorithm.RSA_2048}) {
                TokenKey key = token.lifecycle().generateKeyPair("node", algorithm);
                X500Principal subject = new X500Principal("CN=clinic-001, O=Example Clinic, C=JP");
                byte[] der = token.lifecycle().createCertificationRequest("node", subject);
                PKCS10CertificationRequest csr = new PKCS10CertificationRequest(der);
                assertEquals(X500Name.getInstance(subject.getEncoded()), csr.getSubject());
                assertArrayEquals(key.publicKey().getEncoded(), csr.getSubjectPublicKeyInfo().getEncoded());
                assertTrue(csr.isSignatureValid(new JcaContentVerifierProviderBuilder().setProvider(new BouncyCastleProvider())
                        .build(csr.getSubjectPublicKeyInfo())), algorithm.name());
            }
        }
    }

    @Test
    void renewalKeepsTheOldCredentialUntilTheNewChainIsWritten() throws Exception {
        try (SecureToken token = loggedIn()) {
            Credential old = Fixtures.issue(token, pki, "node", KeyAlgorithm.EC_P256);
            TokenKey next = token.lifecycle().generateKeyPair("node", KeyAlgorithm.EC_P256);
            assertEquals(old.certificate(), token.credential("node").certificate());
            old.key().sign(SignatureScheme.ECDSA_P256_SHA256, DATA);
            token.lifecycle().writeCredential("node", pki.issue("node").certifyChain(next.publicKey()),
                    CredentialUsage.NODE_AUTHENTICATION);
            Credential renewed = token.credential("node");
            assertArrayEquals(next.publicKey().getEncoded(), renewed.certificate().getPublicKey().getEncoded());
            assertThrows(CredentialNotFoundException.class,
                    () -> old.key().sign(SignatureScheme.ECDSA_P256_SHA256, DATA), "the old key is gone");
        }
    }

    @Test
    void aNewCertificateForTheCurrentKeyIsAccepted() throws Exception {
        try (SecureToken token = loggedIn()) {
            Credential old = Fixtures.issue(token, pki, "node", KeyAlgorithm.EC_P256);
            List<X509Certificate> reissued = pki.issue("node").serverAuth().certifyChain(old.key().publicKey());
            token.lifecycle().writeCredential("node", reissued, CredentialUsage.DOCUMENT_SIGNING);
            assertEquals(reissued.get(0), token.credential("node").certificate());
            assertEquals(CredentialUsage.DOCUMENT_SIGNING, token.credential("node").usage());
            token.credential("node").key().sign(SignatureScheme.ECDSA_P256_SHA256, DATA);
        }
    }

    @Test
    void certificateForAnotherKeyIsAMismatchAndNothingIsWritten() throws Exception {
        try (SecureToken token = loggedIn()) {
            token.lifecycle().generateKeyPair("node", KeyAlgorithm.EC_P256);
            Path file = Path.of(token.info().uri().getPath());
            byte[] before = Files.readAllBytes(file);
            List<X509Certificate> foreign = pki.issue("node").build().chain();
            assertThrows(CredentialMismatchException.class,
                    () -> token.lifecycle().writeCredential("node", foreign, CredentialUsage.NODE_AUTHENTICATION));
            assertArrayEquals(before, Files.readAllBytes(file));
            assertTrue(token.credentials().isEmpty());
        }
    }

    @Test
    void chainWhoseCertificatesDoNotChainIsAMismatch() throws Exception {
        try (SecureToken token = loggedIn()) {
            TokenKey key = token.lifecycle().generateKeyPair("node", KeyAlgorithm.EC_P256);
            X509Certificate leaf = pki.issue("node").certify(key.publicKey());
            X509Certificate strangerRoot = TestPki.create("Stranger CA").rootCertificate();
            assertThrows(CredentialMismatchException.class, () -> token.lifecycle()
                    .writeCredential("node", List.of(leaf, strangerRoot), CredentialUsage.NODE_AUTHENTICATION));
            assertTrue(token.credentials().isEmpty());
        }
    }

    @Test
    void issuerAnchorsRejectAChainFromAnotherCaAndAcceptTheirOwn() throws Exception {
        Path file = dir.resolve("anchored.stk");
        TestPki issuer = TestPki.create("Regional Network Root");
        TestPki sub = issuer.intermediate("Regional Network Issuing CA");
        SoftTokens.create(file, Fixtures.settings("anchored").issuerAnchors(List.of(issuer.rootCertificate())).build());
        try (SecureToken token = SoftTokens.open(file)) {
            assertTrue(token.capabilities().supports(JahisCapability.ISSUING_SERVER_AUTHENTICATION));
            assertTrue(token.capabilities().supports(JahisCapability.REMOTE_WRITE_UPDATE));
            assertTrue(token.capabilities().missingMandatory(JahisCapability.Phase.LIFECYCLE).isEmpty());
            token.login(pin(USER_PIN));
            TokenKey key = token.lifecycle().generateKeyPair("node", KeyAlgorithm.EC_P256);
            List<X509Certificate> rogue = pki.issue("node").certifyChain(key.publicKey());
            CredentialMismatchException e = assertThrows(CredentialMismatchException.class,
                    () -> token.lifecycle().writeCredential("node", rogue, CredentialUsage.NODE_AUTHENTICATION));
            assertTrue(e.getMessage().contains("issuing-server authentication"), e.getMessage());
            assertTrue(token.credentials().isEmpty());

            List<X509Certificate> withRoot = sub.issue("node").certifyChain(key.publicKey());
            token.lifecycle().writeCredential("node", withRoot, CredentialUsage.NODE_AUTHENTICATION);
            List<X509Certificate> withoutRoot = withRoot.subList(0, 2);
            token.lifecycle().writeCredential("node", withoutRoot, CredentialUsage.NODE_AUTHENTICATION);
            assertEquals(withoutRoot, token.credential("node").chain());
        }
    }

    @Test
    void capabilitiesAreTheSoftTokensAndRemoteWriteIsNotOne() throws Exception {
        try (SecureToken token = loggedIn()) {
            for (JahisCapability c : List.of(JahisCapability.CREDENTIAL_STORAGE, JahisCapability.ENTITY_AUTHENTICATION,
                    JahisCapability.SIGNATURE_GENERATION, JahisCapability.USER_DATA_STORAGE,
                    JahisCapability.CREDENTIAL_WRITE_UPDATE, JahisCapability.KEY_GENERATION)) {
                assertTrue(token.capabilities().supports(c), c.name());
            }
            assertFalse(token.capabilities().supports(JahisCapability.ISSUING_SERVER_AUTHENTICATION),
                    "without anchors the token cannot authenticate the issuer");
            CapabilityNotSupportedException e = assertThrows(CapabilityNotSupportedException.class,
                    () -> token.capabilities().require(JahisCapability.REMOTE_WRITE_UPDATE, token.info().label()));
            assertEquals(JahisCapability.REMOTE_WRITE_UPDATE, e.capability());
            assertTrue(e.getMessage().contains("holds no issuer anchor"), e.getMessage());
            assertTrue(token.capabilities().whyAbsent(JahisCapability.ISSUING_SERVER_AUTHENTICATION).isPresent());
        }
    }

    @Test
    void corruptCertificateBytesAreAnInvalidCertificate() throws Exception {
        HeldCertificate held = pki.issue("node").build();
        byte[] der = held.certificate().getEncoded();
        assertThrows(InvalidCertificateException.class,
                () -> SoftTokens.readCertificates(Arrays.copyOf(der, der.length / 2)));
        assertThrows(InvalidCertificateException.class, () -> SoftTokens.readCertificates(new byte[0]));
        assertThrows(InvalidCertificateException.class, () -> SoftTokens.readCertificates(
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".getBytes(StandardCharsets.US_ASCII)));
        byte[] pem = held.chainPem().getBytes(StandardCharsets.US_ASCII);
        assertThrows(InvalidCertificateException.class,
                () -> SoftTokens.readCertificates(Arrays.copyOf(pem, pem.length - 40)));
    }

    @Test
    void pemChainAndDerCertificateAreRead() throws Exception {
        HeldCertificate held = pki.issue("node").build();
        assertEquals(held.chain(), SoftTokens.readCertificates(held.chainPem().getBytes(StandardCharsets.US_ASCII)));
        assertEquals(List.of(held.certificate()), SoftTokens.readCertificates(held.certificate().getEncoded()));
    }

    @Test
    void daysToExpiryFollowTheCertificate() throws Exception {
        try (SecureToken token = loggedIn()) {
            TokenKey key = token.lifecycle().generateKeyPair("node", KeyAlgorithm.EC_P256);
            token.lifecycle().writeCredential("node",
                    pki.issue("node").validFor(Duration.ofDays(30)).certifyChain(key.publicKey()),
                    CredentialUsage.NODE_AUTHENTICATION);
            Credential c = token.credential("node");
            assertEquals(29, c.daysToExpiry(Clock.systemUTC()));
            assertTrue(c.expiresWithin(Clock.systemUTC(), 90));
        }
    }

    @Test
    void deletedCredentialIsGoneWithItsKey() throws Exception {
        try (SecureToken token = loggedIn()) {
            Credential c = Fixtures.issue(token, pki, "node", KeyAlgorithm.EC_P256);
            assertTrue(token.lifecycle().deleteCredential("node"));
            assertFalse(token.lifecycle().deleteCredential("node"));
            assertThrows(CredentialNotFoundException.class, () -> token.credential("node"));
            assertThrows(CredentialNotFoundException.class,
                    () -> c.key().sign(SignatureScheme.ECDSA_P256_SHA256, DATA));
        }
    }

    @Test
    void severalCredentialsLiveSideBySide() throws Exception {
        try (SecureToken token = loggedIn()) {
            Fixtures.issue(token, pki, "auth", KeyAlgorithm.EC_P256);
            Fixtures.issue(token, pki, "sign", KeyAlgorithm.RSA_2048);
            assertEquals(List.of("auth", "sign"), token.credentials().stream().map(Credential::alias).toList());
            assertEquals("RSA", token.credential("sign").key().algorithm());
        }
    }
}
