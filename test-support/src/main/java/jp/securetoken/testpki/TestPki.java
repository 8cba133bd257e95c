package jp.securetoken.testpki;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.security.auth.x500.X500Principal;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLDistPoint;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.DistributionPoint;
import org.bouncycastle.asn1.x509.DistributionPointName;
import org.bouncycastle.asn1.x509.GeneralSubtree;
import org.bouncycastle.asn1.x509.NameConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A certificate authority for tests: a root (and optional intermediates) that issues node
 * certificates with chosen names, key usages, EKUs and validity in a few readable lines.
 *
 * <pre>{@code
 * TestPki pki = TestPki.create("Test Regional Network CA");
 * HeldCertificate clinic = pki.issue("clinic-001").clientAuth().build();
 * X509Certificate forTokenKey = pki.issue("gateway").serverAuth().certify(tokenPublicKey);
 * }</pre>
 */
public final class TestPki {
    private static final AtomicLong SERIALS = new AtomicLong(System.nanoTime() & 0xFFFFFFFFL);

    private final HeldCertificate ca;
    private final List<X509Certificate> chainAboveCa;

    private TestPki(HeldCertificate ca, List<X509Certificate> chainAboveCa) {
        this.ca = ca;
        this.chainAboveCa = List.copyOf(chainAboveCa);
    }

    /** A self-signed root CA with an EC P-256 key, valid from an hour ago for ten years. */
    public static TestPki create(String caName) {
        return create(caName, Keys.ecP256());
    }

    /**
     * A self-signed root CA whose own nameConstraints extension (critical) permits only subjects
     * under the directory name {@code permittedSubtree}, e.g. {@code "O=Region A, C=JP"}.
     */
    public static TestPki createConstrained(String caName, String permittedSubtree) {
        KeyPair caKeys = Keys.ecP256();
        X500Principal name = new X500Principal("CN=" + caName + ", O=securetoken test PKI, C=JP");
        Instant now = Instant.now();
        try {
            NameConstraints constraints = new NameConstraints(new GeneralSubtree[] {new GeneralSubtree(
                    new GeneralName(X500Name.getInstance(new X500Principal(permittedSubtree).getEncoded())))}, null);
            Extension extension = new Extension(Extension.nameConstraints, true, constraints.getEncoded());
            X509Certificate cert = sign(name, caKeys.getPublic(), name, caKeys, now.minus(Duration.ofHours(1)),
                    now.plus(Duration.ofDays(3650)), true, null, List.of(), List.of(), caKeys.getPublic(),
                    List.of(extension));
            return new TestPki(new HeldCertificate(cert, caKeys, List.of(cert)), List.of());
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A self-signed root CA with the given key. */
    public static TestPki create(String caName, KeyPair caKeys) {
        X500Principal name = new X500Principal("CN=" + caName + ", O=securetoken test PKI, C=JP");
        Instant now = Instant.now();
        X509Certificate cert = sign(name, caKeys.getPublic(), name, caKeys, now.minus(Duration.ofHours(1)),
                now.plus(Duration.ofDays(3650)), true, null, List.of(), List.of(), caKeys.getPublic(), List.of());
        return new TestPki(new HeldCertificate(cert, caKeys, List.of(cert)), List.of());
    }

    /** An intermediate CA below this one; certificates it issues carry the whole chain. */
    public TestPki intermediate(String caName) {
        KeyPair keys = Keys.ecP256();
        X500Principal name = new X500Principal("CN=" + caName + ", O=securetoken test PKI, C=JP");
        Instant now = Instant.now();
        X509Certificate cert = sign(name, keys.getPublic(), ca.certificate().getSubjectX500Principal(), ca.keyPair(),
                now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1825)), true, null, List.of(), List.of(),
                ca.keyPair().getPublic(), List.of());
        List<X509Certificate> above = new ArrayList<>();
        above.add(ca.certificate());
        above.addAll(chainAboveCa);
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(cert);
        chain.addAll(above);
        return new TestPki(new HeldCertificate(cert, keys, chain), above);
    }

    /** This CA's certificate: the trust anchor for a root, or the issuer of node certificates. */
    public X509Certificate caCertificate() {
        return ca.certificate();
    }

    /** This CA's certificate and key. */
    public HeldCertificate ca() {
        return ca;
    }

    /** The root's certificate, which tests trust. */
    public X509Certificate rootCertificate() {
        return chainAboveCa.isEmpty() ? ca.certificate() : chainAboveCa.get(chainAboveCa.size() - 1);
    }

    /** A CRL signed by this CA that lists {@code revoked}, valid from an hour ago for a day. */
    public X509CRL crl(X509Certificate... revoked) {
        Instant now = Instant.now();
        return crl(now.minus(Duration.ofHours(1)), now.plus(Duration.ofDays(1)), revoked);
    }

    /** A CRL signed by this CA that lists {@code revoked}, with the given thisUpdate and nextUpdate. */
    public X509CRL crl(Instant thisUpdate, Instant nextUpdate, X509Certificate... revoked) {
        try {
            Instant now = Instant.now();
            X509v2CRLBuilder b = new X509v2CRLBuilder(X500Name.getInstance(ca.certificate().getSubjectX500Principal()
                    .getEncoded()), Date.from(thisUpdate));
            b.setNextUpdate(Date.from(nextUpdate));
            for (X509Certificate c : revoked) {
                b.addCRLEntry(c.getSerialNumber(), Date.from(now.minus(Duration.ofMinutes(30))), CRLReason.keyCompromise);
            }
            b.addExtension(Extension.authorityKeyIdentifier, false,
                    new JcaX509ExtensionUtils().createAuthorityKeyIdentifier(ca.keyPair().getPublic()));
            ContentSigner signer = new JcaContentSignerBuilder(
                    "EC".equals(ca.keyPair().getPrivate().getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA")
                    .build(ca.keyPair().getPrivate());
            return new JcaX509CRLConverter().getCRL(b.build(signer));
        } catch (GeneralSecurityException | OperatorCreationException | java.io.IOException e) {
            throw new IllegalStateException("test PKI could not issue a CRL", e);
        }
    }

    /** Starts a certificate for {@code commonName}, issued by this CA. */
    public Issue issue(String commonName) {
        return new Issue(new X500Principal("CN=" + commonName + ", O=securetoken test node, C=JP"));
    }

    /** Starts a certificate with a full subject name, issued by this CA. */
    public Issue issue(X500Principal subject) {
        return new Issue(subject);
    }

    /** One certificate being described; {@link #build()} makes a key pair, {@link #certify} takes one. */
    public final class Issue {
        private final X500Principal subject;
        private final List<KeyPurposeId> ekus = new ArrayList<>();
        private final List<String> dnsNames = new ArrayList<>();
        private Instant notBefore = Instant.now().minus(Duration.ofHours(1));
        private Instant notAfter = Instant.now().plus(Duration.ofDays(365));
        private KeyPair keyPair;
        private Integer keyUsage;
        private boolean caFlag;
        private final List<Extension> extensions = new ArrayList<>();

        private Issue(X500Principal subject) {
            this.subject = subject;
        }

        public Issue clientAuth() {
            ekus.add(KeyPurposeId.id_kp_clientAuth);
            return this;
        }

        public Issue serverAuth() {
            ekus.add(KeyPurposeId.id_kp_serverAuth);
            return this;
        }

        /** Adds anyExtendedKeyUsage (2.5.29.37.0) to the extended key usages. */
        public Issue anyExtendedKeyUsage() {
            ekus.add(KeyPurposeId.anyExtendedKeyUsage);
            return this;
        }

        /** Marks the certificate as a CA (basicConstraints CA:true, keyCertSign and cRLSign unless {@link #keyUsage} is given). */
        public Issue caCertificate() {
            this.caFlag = true;
            return this;
        }

        /** Adds a CRL distribution point (a full-name URI), as CAs that publish CRLs over HTTP write it. */
        public Issue crlDistributionPoint(String uri) {
            DistributionPoint point = new DistributionPoint(new DistributionPointName(
                    new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri))), null, null);
            try {
                extensions.add(new Extension(Extension.cRLDistributionPoints, false,
                        new CRLDistPoint(new DistributionPoint[] {point}).getEncoded()));
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            return this;
        }

        /** Adds a DNS subject alternative name. */
        public Issue dnsName(String name) {
            dnsNames.add(name);
            return this;
        }

        public Issue validity(Instant from, Instant to) {
            this.notBefore = from;
            this.notAfter = to;
            return this;
        }

        /** Valid from an hour ago for {@code duration}. */
        public Issue validFor(Duration duration) {
            return validity(Instant.now().minus(Duration.ofHours(1)), Instant.now().plus(duration));
        }

        /** Expired yesterday. */
        public Issue expired() {
            return validity(Instant.now().minus(Duration.ofDays(30)), Instant.now().minus(Duration.ofDays(1)));
        }

        /** A key usage bit set as {@link KeyUsage} defines (default: digitalSignature). */
        public Issue keyUsage(int bits) {
            this.keyUsage = bits;
            return this;
        }

        /** Leaves the key usage extension out (RFC 5280: then any usage is allowed). */
        public Issue withoutKeyUsage() {
            return keyUsage(0);
        }

        /** Uses this key pair for {@link #build()} instead of a new EC P-256 pair. */
        public Issue keyPair(KeyPair keyPair) {
            this.keyPair = keyPair;
            return this;
        }

        /** Generates a key pair (EC P-256 unless one was given) and issues its certificate. */
        public HeldCertificate build() {
            KeyPair keys = keyPair != null ? keyPair : Keys.ecP256();
            X509Certificate cert = certify(keys.getPublic());
            List<X509Certificate> chain = new ArrayList<>();
            chain.add(cert);
            chain.addAll(ca.chain());
            return new HeldCertificate(cert, keys, chain);
        }

        /** Issues the certificate for a public key held elsewhere, e.g. in a token. */
        public X509Certificate certify(PublicKey publicKey) {
            return sign(subject, publicKey, ca.certificate().getSubjectX500Principal(), ca.keyPair(), notBefore,
                    notAfter, caFlag, keyUsage, ekus, dnsNames, ca.keyPair().getPublic(), extensions);
        }

        /** The chain a token would store for {@code publicKey}: the new certificate, then this CA's chain. */
        public List<X509Certificate> certifyChain(PublicKey publicKey) {
            List<X509Certificate> chain = new ArrayList<>();
            chain.add(certify(publicKey));
            chain.addAll(ca.chain());
            return chain;
        }
    }

    private static X509Certificate sign(X500Principal subject, PublicKey subjectKey, X500Principal issuer,
            KeyPair issuerKeys, Instant notBefore, Instant notAfter, boolean isCa, Integer keyUsage,
            List<KeyPurposeId> ekus, List<String> dnsNames, PublicKey issuerPublicKey, List<Extension> extensions) {
        try {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(X500Name.getInstance(issuer.getEncoded()),
                    BigInteger.valueOf(SERIALS.incrementAndGet()), Date.from(notBefore), Date.from(notAfter),
                    X500Name.getInstance(subject.getEncoded()), subjectKey);
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
            int usage = keyUsage != null ? keyUsage
                    : isCa ? KeyUsage.keyCertSign | KeyUsage.cRLSign : KeyUsage.digitalSignature;
            if (usage != 0) {
                b.addExtension(Extension.keyUsage, true, new KeyUsage(usage));
            }
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(subjectKey));
            b.addExtension(Extension.authorityKeyIdentifier, false,
                    ext.createAuthorityKeyIdentifier(issuerPublicKey));
            if (!ekus.isEmpty()) {
                b.addExtension(Extension.extendedKeyUsage, false,
                        new ExtendedKeyUsage(ekus.toArray(KeyPurposeId[]::new)));
            }
            if (!dnsNames.isEmpty()) {
                GeneralName[] names = dnsNames.stream().map(n -> new GeneralName(GeneralName.dNSName, n))
                        .toArray(GeneralName[]::new);
                b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
            }
            for (Extension e : extensions) {
                b.addExtension(e);
            }
            ContentSigner signer = new JcaContentSignerBuilder(
                    "EC".equals(issuerKeys.getPrivate().getAlgorithm()) ? "SHA256withECDSA" : "SHA256withRSA")
                    .build(issuerKeys.getPrivate());
            return new JcaX509CertificateConverter().getCertificate(b.build(signer));
        } catch (GeneralSecurityException | OperatorCreationException | java.io.IOException e) {
            throw new IllegalStateException("test PKI could not issue a certificate", e);
        }
    }

    /** Key pairs for tests. */
    public static final class Keys {
        private Keys() {
        }

        public static KeyPair ecP256() {
            return ec("secp256r1");
        }

        public static KeyPair ec(String curve) {
            try {
                KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
                g.initialize(new ECGenParameterSpec(curve), new SecureRandom());
                return g.generateKeyPair();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }

        public static KeyPair rsa(int bits) {
            try {
                KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                g.initialize(bits, new SecureRandom());
                return g.generateKeyPair();
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
