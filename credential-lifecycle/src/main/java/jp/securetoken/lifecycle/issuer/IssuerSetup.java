package jp.securetoken.lifecycle.issuer;

import java.io.IOException;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import javax.security.auth.x500.X500Principal;

import jp.securetoken.api.CertificationRequests;
import jp.securetoken.api.Credential;
import jp.securetoken.api.CredentialUsage;
import jp.securetoken.api.KeyAlgorithm;
import jp.securetoken.api.SecureToken;
import jp.securetoken.api.TokenContentSigner;
import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenKey;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

/**
 * Prepares an issuing server's token (logged in): a CA key generated in the token with a
 * self-signed CA certificate (credential {@code ca}), and a TLS key with a serverAuth certificate
 * from that CA naming the server's DNS names and IP addresses (credential {@code tls}). No key
 * ever leaves the token.
 */
public final class IssuerSetup {
    private static final SecureRandom RANDOM = new SecureRandom();

    private IssuerSetup() {
    }

    /** Creates both credentials; returns the CA certificate, the anchor nodes are given. */
    public static X509Certificate initialise(SecureToken token, X500Principal caSubject, Duration caValidity,
            List<String> serverNames, Clock clock) throws TokenException {
        TokenKey caKey = token.lifecycle().generateKeyPair("ca", KeyAlgorithm.EC_P256);
        Instant now = clock.instant();
        X509Certificate caCert;
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caSubject, serial(),
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(caValidity)), caSubject,
                    caKey.publicKey())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            ext.createSubjectKeyIdentifier(caKey.publicKey()));
            caCert = sign(b, caKey);
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("building the CA certificate in memory failed", e);
        }
        Credential ca = token.lifecycle().writeCredential("ca", List.of(caCert), CredentialUsage.NODE_AUTHENTICATION);

        TokenKey tlsKey = token.lifecycle().generateKeyPair("tls", KeyAlgorithm.EC_P256);
        List<GeneralName> names = new ArrayList<>();
        for (String n : serverNames) {
            names.add(new GeneralName(n.matches("[0-9.]+|.*:.*") ? GeneralName.iPAddress : GeneralName.dNSName, n));
        }
        // one common name only: node trust policies refuse certificates naming several
        X500Principal tlsSubject = new X500Principal("CN=" + (serverNames.isEmpty() ? "EST server" : serverNames.get(0)));
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert, serial(),
                    Date.from(now.minus(Duration.ofMinutes(5))), caCert.getNotAfter(), tlsSubject, tlsKey.publicKey())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            ext.createAuthorityKeyIdentifier(caCert.getPublicKey()));
            if (!names.isEmpty()) {
                b.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(names.toArray(GeneralName[]::new)));
            }
            X509Certificate tlsCert = sign(b, ca.key());
            token.lifecycle().writeCredential("tls", List.of(tlsCert, caCert), CredentialUsage.NODE_AUTHENTICATION);
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("building the TLS certificate in memory failed", e);
        }
        return caCert;
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, TokenKey key) throws TokenException {
        TokenContentSigner signer = new TokenContentSigner(key, CertificationRequests.defaultScheme(key));
        X509CertificateHolder holder = builder.build(signer);
        signer.rethrowFailure();
        try {
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (CertificateException e) {
            throw new IllegalStateException("a certificate built in memory cannot be read", e);
        }
    }

    private static BigInteger serial() {
        return new BigInteger(127, RANDOM).add(BigInteger.ONE);
    }
}
