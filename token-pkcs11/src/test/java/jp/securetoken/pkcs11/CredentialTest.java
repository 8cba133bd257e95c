package jp.securetoken.pkcs11;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.security.auth.x500.X500Principal;

import jp.securetoken.api.Credential;
import jp.securetoken.api.CredentialMismatchException;
import jp.securetoken.api.CredentialNotFoundException;
import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenKey;
import jp.securetoken.testpki.TestPki;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.junit.jupiter.api.Test;

/** Credentials found by CKA_ID pairing, written, renewed with a new key and deleted. */
class CredentialTest {
    private static final TestPki PKI = TestPki.create("Regional Network CA").intermediate("Issuing CA");
    private static final byte[] DATA = "challenge".getBytes(StandardCharsets.UTF_8);

    @Test
    void findsAKeyAndCertificateThatOtherToolsPairedByCkaId() throws Exception {
        try (SecureToken token = SoftHsm.open("external")) {
            token.login(SoftHsm.userPin());
            Credential node = token.credential("node");
            assertTrue(node.certificate().getSubjectX500Principal().getName().startsWith("CN=external-node,"));
            assertEquals("RSA", node.key().algorithm());
            byte[] signature = node.key().sign(SignatureScheme.RSA_PSS_SHA256, DATA);
            assertTrue(SoftHsm.verifies(node.certificate().getPublicKey(), SignatureScheme.RSA_PSS_SHA256, DATA,
                    signature));
        }
    }

    @Test
    void pairsByCkaLabelWhereTheIdsDiffer() throws Exception {
        try (SecureToken token = SoftHsm.open("external")) {
            token.login(SoftHsm.userPin());
            Credential ec = token.credential("by-label");
            assertEquals(List.of(SoftHsm.EXTERNAL_CA.caCertificate()), ec.chain().subList(1, ec.chain().size()),
                    "the chain is built from the token's certificates");
            assertTrue(SoftHsm.verifies(ec.certificate().getPublicKey(), SignatureScheme.ECDSA_P256_SHA256, DATA,
                    ec.key().sign(SignatureScheme.ECDSA_P256_SHA256, DATA)));
            Credential rsa = token.credential("by-label-rsa");
            for (SignatureScheme scheme : List.of(SignatureScheme.RSA_PKCS1_SHA256, SignatureScheme.RSA_PSS_SHA384)) {
                assertTrue(SoftHsm.verifies(rsa.certificate().getPublicKey(), scheme, DATA, rsa.key().sign(scheme,
                        DATA)), scheme.toString());
            }
        }
    }

    @Test
    void aCertificateOverAnotherKeyIsAMismatchNotACredential() throws Exception {
        try (SecureToken token = SoftHsm.open("external")) {
            token.login(SoftHsm.userPin());
            assertEquals(List.of("by-label", "by-label-rsa", "node"), token.credentials().stream()
                    .map(Credential::alias).toList());
            assertThrows(CredentialMismatchException.class, () -> token.credential("mismatch"));
        }
    }

    @Test
    void aMissingCredentialIsNotFound() throws Exception {
        try (SecureToken token = SoftHsm.open("external")) {
            token.login(SoftHsm.userPin());
            CredentialNotFoundException e = assertThrows(CredentialNotFoundException.class,
                    () -> token.credential("no-such-key"));
            assertEquals("no-such-key", e.alias());
        }
    }

    @Test
    void writesAChainAndReadsItBackWithTheIssuers() throws Exception {
        try (SecureToken token = SoftHsm.open("credentials")) {
            token.login(SoftHsm.userPin());
            TokenKey key = token.lifecycle().generateKeyPair("chain", KeyAlgorithm.EC_P256);
            List<X509Certificate> chain = PKI.issue("clinic-7").clientAuth().certifyChain(key.publicKey());
            Credential written = token.lifecycle().writeCredential("chain", chain, CredentialUsage.NODE_AUTHENTICATION);
            assertEquals(chain.size(), written.chain().size());
            assertEquals(chain, token.credential("chain").chain());
        }
    }

    @Test
    void aRequestIsSignedInsideTheTokenByThePendingKey() throws Exception {
        try (SecureToken token = SoftHsm.open("credentials")) {
            token.login(SoftHsm.userPin());
            TokenKey key = token.lifecycle().generateKeyPair("csr", KeyAlgorithm.RSA_2048);
            byte[] der = token.lifecycle().createCertificationRequest("csr", new X500Principal("CN=clinic-8"));
            JcaPKCS10CertificationRequest csr = new JcaPKCS10CertificationRequest(new PKCS10CertificationRequest(der));
            assertEquals(key.publicKey(), csr.getPublicKey());
            assertTrue(csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key.publicKey())));
        }
    }

    @Test
    void rotationReplacesKeyAndCertificateUnderTheSameAlias() throws Exception {
        try (SecureToken token = SoftHsm.open("credentials")) {
            token.login(SoftHsm.userPin());
            TokenKey first = token.lifecycle().generateKeyPair("rotating", KeyAlgorithm.EC_P256);
            token.lifecycle().writeCredential("rotating", PKI.issue("clinic-9").clientAuth().certifyChain(
                    first.publicKey()), CredentialUsage.NODE_AUTHENTICATION);
            TokenKey second = token.lifecycle().generateKeyPair("rotating", KeyAlgorithm.EC_P384);
            assertEquals(first.publicKey(), token.credential("rotating").certificate().getPublicKey(),
                    "the old credential stays in use until the new chain is written");
            token.lifecycle().writeCredential("rotating", PKI.issue("clinic-9").clientAuth().certifyChain(
                    second.publicKey()), CredentialUsage.NODE_AUTHENTICATION);
            Credential now = token.credential("rotating");
            assertEquals(second.publicKey(), now.certificate().getPublicKey());
            assertTrue(SoftHsm.verifies(now.certificate().getPublicKey(), SignatureScheme.ECDSA_P384_SHA384, DATA,
                    now.key().sign(SignatureScheme.ECDSA_P384_SHA384, DATA)));
            assertEquals(1, token.credentials().stream().filter(c -> c.alias().equals("rotating")).count());
        }
    }

    @Test
    void aPendingKeyOutlivesItsTokenHandleAndTheOldCredentialServesUntilTheImport() throws Exception {
        TokenKey old;
        try (SecureToken token = SoftHsm.open("credentials")) {
            token.login(SoftHsm.userPin());
            old = token.lifecycle().generateKeyPair("kept", KeyAlgorithm.EC_P256);
            token.lifecycle().writeCredential("kept", PKI.issue("clinic-13").clientAuth().certifyChain(old.publicKey()),
                    CredentialUsage.NODE_AUTHENTICATION);
            token.lifecycle().generateKeyPair("kept", KeyAlgorithm.RSA_2048);
        }
        byte[] request;
        try (SecureToken token = SoftHsm.open("credentials")) {
            token.login(SoftHsm.userPin());
            assertEquals(old.publicKey(), token.credential("kept").certificate().getPublicKey(),
                    "the old credential serves while a new key is pending");
            request = token.lifecycle().createCertificationRequest("kept", new X500Principal("CN=clinic-13"));
        }
        JcaPKCS10CertificationRequest csr = new JcaPKCS10CertificationRequest(new PKCS10CertificationRequest(request));
        assertEquals("RSA", csr.getPublicKey().getAlgorithm(), "the request carries the pending key, not the old one");
        assertTrue(csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(csr.getPublicKey())));
        try (SecureToken token = SoftHsm.open("credentials")) {
            token.login(SoftHsm.userPin());
            List<X509Certificate> chain = PKI.issue("clinic-13").clientAuth().certifyChain(csr.getPublicKey());
            token.lifecycle().writeCredential("kept", chain, CredentialUsage.NODE_AUTHENTICATION);
            Credential now = token.credential("kept");
            assertEquals(chain, now.chain());
            assertTrue(SoftHsm.verifies(csr.getPublicKey(), SignatureScheme.RSA_PKCS1_SHA256, DATA,
                    now.key().sign(SignatureScheme.RSA_PKCS1_SHA256, DATA)));
            assertEquals(1, token.credentials().stream().filter(c -> c.alias().equals("kept")).count());
        }
        try (SecureToken token = SoftHsm.open("credentials")) {
            token.login(SoftHsm.userPin());
            assertEquals(csr.getPublicKey(), token.credential("kept").certificate().getPublicKey(),
                    "the new credential is what the next handle reads; the old key and certificate are gone");
            assertFalse(token.lifecycle().deleteCredential("kept-never") );
        }
    }

    @Test
    void renewalWithTheSameKeyReplacesOnlyTheCertificate() throws Exception {
        try (SecureToken token = SoftHsm.open("credentials")) {
            token.login(SoftHsm.userPin());
            TokenKey key = token.lifecycle().generateKeyPair("renewed", KeyAlgorithm.RSA_2048);
            X509Certificate old = PKI.issue("clinic-10").clientAuth().certify(key.publicKey());
            token.lifecycle().writeCredential("renewed", List.of(old), CredentialUsage.NODE_AUTHENTICATION);
            X509Certificate renewed = PKI.issue("clinic-10").clientAuth().certify(key.publicKey());
            token.lifecycle().writeCredential("renewed", List.of(renewed), CredentialUsage.NODE_AUTHENTICATION);
            Credential now = token.credential("renewed");
            assertArrayEquals(renewed.getEncoded(), now.certificate().getEncoded());
            assertNotEquals(old.getSerialNumber(), now.certificate().getSerialNumber());
            assertTrue(SoftHsm.verifies(key.publicKey(), SignatureScheme.RSA_PKCS1_SHA256, DATA,
                    now.key().sign(SignatureScheme.RSA_PKCS1_SHA256, DATA)));
        }
    }

    @Test
    void aCertificateForAnotherKeyIsRefusedAndNothingIsWritten() throws Exception {
        try (SecureToken token = SoftHsm.open("credentials")) {
            token.login(SoftHsm.userPin());
            token.lifecycle().generateKeyPair("refused", KeyAlgorithm.EC_P256);
            List<X509Certificate> foreign = PKI.issue("intruder").clientAuth().certifyChain(TestPki.Keys.ecP256()
                    .getPublic());
            assertThrows(CredentialMismatchException.class, () -> token.lifecycle().writeCredential("refused",
                    foreign, CredentialUsage.NODE_AUTHENTICATION));
            assertThrows(CredentialMismatchException.class, () -> token.lifecycle().writeCredential("never-generated",
                    foreign, CredentialUsage.NODE_AUTHENTICATION));
            assertFalse(token.credentials().stream().anyMatch(c -> c.alias().equals("refused")));
        }
    }

    @Test
    void aChainThatDoesNotChainIsRefused() throws Exception {
        try (SecureToken token = SoftHsm.open("credentials")) {
            token.login(SoftHsm.userPin());
            TokenKey key = token.lifecycle().generateKeyPair("broken", KeyAlgorithm.EC_P256);
            X509Certificate own = PKI.issue("clinic-11").clientAuth().certify(key.publicKey());
            X509Certificate stranger = TestPki.create("Stranger CA").caCertificate();
            assertThrows(CredentialMismatchException.class, () -> token.lifecycle().writeCredential("broken",
                    List.of(own, stranger), CredentialUsage.NODE_AUTHENTICATION));
        }
    }

    @Test
    void deletingRemovesKeyAndCertificate() throws Exception {
        try (SecureToken token = SoftHsm.open("credentials")) {
            token.login(SoftHsm.userPin());
            TokenKey key = token.lifecycle().generateKeyPair("gone", KeyAlgorithm.EC_P256);
            token.lifecycle().writeCredential("gone", PKI.issue("clinic-12").clientAuth().certifyChain(
                    key.publicKey()), CredentialUsage.NODE_AUTHENTICATION);
            assertTrue(token.lifecycle().deleteCredential("gone"));
            assertFalse(token.lifecycle().deleteCredential("gone"));
            assertThrows(CredentialNotFoundException.class, () -> token.credential("gone"));
        }
    }
}
