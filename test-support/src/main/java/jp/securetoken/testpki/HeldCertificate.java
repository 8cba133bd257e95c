package jp.securetoken.testpki;

import java.security.KeyPair;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;

/**
 * A certificate with its key pair and its chain (the certificate first), as a test issued it.
 *
 * @param certificate the certificate
 * @param keyPair     its key pair
 * @param chain       the certificate, then its issuers up to the root
 */
public record HeldCertificate(X509Certificate certificate, KeyPair keyPair, List<X509Certificate> chain) {

    public HeldCertificate {
        chain = List.copyOf(chain);
    }

    /** The certificate in PEM. */
    public String certificatePem() {
        return pem(certificate);
    }

    /** The chain in PEM, certificate first. */
    public String chainPem() {
        StringBuilder sb = new StringBuilder();
        chain.forEach(c -> sb.append(pem(c)));
        return sb.toString();
    }

    /** The private key in PKCS#8 PEM, for outside tools such as {@code openssl s_server}. */
    public String privateKeyPem() {
        return "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(keyPair.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }

    public static String pem(X509Certificate c) {
        try {
            return "-----BEGIN CERTIFICATE-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(c.getEncoded())
                    + "\n-----END CERTIFICATE-----\n";
        } catch (CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "HeldCertificate[" + certificate.getSubjectX500Principal() + "]";
    }
}
