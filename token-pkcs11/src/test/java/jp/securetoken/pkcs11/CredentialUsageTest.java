package jp.securetoken.pkcs11;

import static org.junit.jupiter.api.Assertions.assertEquals;

import jp.securetoken.api.CredentialUsage;
import jp.securetoken.testpki.TestPki;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.junit.jupiter.api.Test;

/** A PKCS#11 token does not say what a key is for; the certificate's key usages do. */
class CredentialUsageTest {
    private final TestPki pki = TestPki.create("Usage CA");

    @Test
    void aNonRepudiationCertificateWithoutTlsUsageIsForSigningDocuments() {
        assertEquals(CredentialUsage.DOCUMENT_SIGNING, Pkcs11Token.usageOf(pki.issue("signer")
                .keyUsage(KeyUsage.digitalSignature | KeyUsage.nonRepudiation).build().certificate()));
    }

    @Test
    void aTlsCertificateIsForNodeAuthenticationEvenWithNonRepudiation() {
        assertEquals(CredentialUsage.NODE_AUTHENTICATION, Pkcs11Token.usageOf(pki.issue("node").clientAuth()
                .keyUsage(KeyUsage.digitalSignature | KeyUsage.nonRepudiation).build().certificate()));
        assertEquals(CredentialUsage.NODE_AUTHENTICATION,
                Pkcs11Token.usageOf(pki.issue("plain").build().certificate()));
    }
}
