package jp.securetoken.lifecycle.issuer;

import java.io.IOException;
import java.math.BigInteger;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import javax.security.auth.x500.X500Principal;

import jp.securetoken.api.CertificationRequests;
import jp.securetoken.api.Credential;
import jp.securetoken.api.CredentialSource;
import jp.securetoken.api.TokenContentSigner;
import jp.securetoken.api.TokenException;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;

/**
 * The CA whose signing key stays in a token: certifies a node's public key under the
 * {@link CertificateProfile} and signs CRLs, each signature computed inside the token. The CA
 * credential is read from its {@link CredentialSource} at each use, so a renewed CA certificate
 * needs no restart.
 */
public final class CertificateAuthority {
    private static final SecureRandom RANDOM = new SecureRandom();

    private final CredentialSource ca;
    private final Clock clock;

    public CertificateAuthority(CredentialSource ca, Clock clock) {
        this.ca = ca;
        this.clock = clock;
    }

    /** The CA's chain, its own certificate first. */
    public List<X509Certificate> chain() throws TokenException {
        return ca.current().chain();
    }

    /**
     * Certifies {@code key} for {@code subject} with the profile's validity, usages and CRL
     * distribution point, and the given DNS names.
     */
    X509Certificate issue(PublicKey key, X500Principal subject, List<String> dnsNames, CertificateProfile profile)
            throws TokenException {
        Credential credential = ca.current();
        X509Certificate caCert = credential.certificate();
        Instant now = clock.instant();
        Instant notAfter = now.plus(profile.validity());
        if (notAfter.isAfter(caCert.getNotAfter().toInstant())) {
            notAfter = caCert.getNotAfter().toInstant(); // never beyond the CA's own validity
        }
        BigInteger serial = new BigInteger(127, RANDOM).add(BigInteger.ONE);
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(caCert, serial,
                    Date.from(now.minus(Duration.ofMinutes(5))), Date.from(notAfter), subject, key)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(profile.keyUsageBits(key.getAlgorithm())))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(profile.purposes()))
                    .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(key))
                    .addExtension(Extension.authorityKeyIdentifier, false,
                            ext.createAuthorityKeyIdentifier(caCert.getPublicKey()));
            if (!dnsNames.isEmpty()) {
                GeneralName[] names = dnsNames.stream().map(d -> new GeneralName(GeneralName.dNSName, d))
                        .toArray(GeneralName[]::new);
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
            }
            if (profile.crlDistributionPoint().isPresent()) {
                GeneralNames where = new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier,
                        profile.crlDistributionPoint().get().toString()));
                b.addExtension(Extension.cRLDistributionPoints, false, new CRLDistPoint(new DistributionPoint[] {
                    new DistributionPoint(new DistributionPointName(where), null, null)}));
            }
            TokenContentSigner signer = new TokenContentSigner(credential.key(),
                    CertificationRequests.defaultScheme(credential.key()));
            X509CertificateHolder holder = b.build(signer);
            signer.rethrowFailure();
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (IOException | CertificateException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("building a certificate in memory failed", e);
        }
    }

    /** A CRL listing {@code revoked}, valid for {@code nextUpdate}, signed in the token (DER). */
    byte[] crl(Map<BigInteger, Instant> revoked, Duration nextUpdate) throws TokenException {
        Credential credential = ca.current();
        Instant now = clock.instant();
        X509v2CRLBuilder b = new X509v2CRLBuilder(X500Name.getInstance(
                credential.certificate().getSubjectX500Principal().getEncoded()), Date.from(now));
        b.setNextUpdate(Date.from(now.plus(nextUpdate)));
        for (Map.Entry<BigInteger, Instant> e : revoked.entrySet()) {
            b.addCRLEntry(e.getKey(), Date.from(e.getValue()), CRLReason.unspecified);
        }
        try {
            // RFC 5280 §5.2: a conforming CRL names its signing key and carries an increasing number
            b.addExtension(Extension.authorityKeyIdentifier, false, new JcaX509ExtensionUtils()
                    .createAuthorityKeyIdentifier(credential.certificate().getPublicKey()));
            b.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.valueOf(now.toEpochMilli())));
            TokenContentSigner signer = new TokenContentSigner(credential.key(),
                    CertificationRequests.defaultScheme(credential.key()));
            X509CRLHolder holder = b.build(signer);
            signer.rethrowFailure();
            return holder.getEncoded();
        } catch (IOException | java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("encoding a CRL in memory failed", e);
        }
    }
}
