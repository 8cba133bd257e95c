package jp.securetoken.jpki.emulator;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.Date;
import java.util.HexFormat;
import java.util.Objects;

import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DERPrintableString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERTaggedObject;
import org.bouncycastle.asn1.DERUTF8String;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CertificatePolicies;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.PolicyInformation;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * What an emulated My Number Card holds: the user-authentication and signature key pairs (RSA-2048),
 * their certificates, the two CA self-signed certificates, and the two PINs. Built by
 * {@link #builder()}, which makes its own JPKI-like test PKI for whatever it is not given.
 *
 * <p>The generated certificates imitate JPKI's shape (CA names under {@code C=JP, O=JPKI}, key usage,
 * certificate policies, and for the signature certificate the holder's name, address, birth date and
 * sex as subjectAltName otherNames) with invented data only; the policy and otherName OIDs are our
 * assumptions under the JPKI arc {@code 1.2.392.200149.8.5}, see the module README.
 *
 * <p>Private keys never leave this package; the emulator uses them to answer SIGN.
 */
public final class JpkiCardIdentity {

    /** Organisation unit naming the issuer of JPKI certificates. */
    static final String JLIS_OU = "Japan Agency for Local Authority Information Systems";
    /** Certificate policy of user-authentication certificates (our assumption, see README). */
    static final ASN1ObjectIdentifier AUTH_POLICY = new ASN1ObjectIdentifier("1.2.392.200149.8.5.1.3.30");
    /** Certificate policy of signature certificates (our assumption, see README). */
    static final ASN1ObjectIdentifier SIGN_POLICY = new ASN1ObjectIdentifier("1.2.392.200149.8.5.1.1.10");
    /** subjectAltName otherName types for the holder's data (our assumption, see README). */
    static final ASN1ObjectIdentifier NAME_OID = new ASN1ObjectIdentifier("1.2.392.200149.8.5.5.1");
    static final ASN1ObjectIdentifier SEX_OID = new ASN1ObjectIdentifier("1.2.392.200149.8.5.5.3");
    static final ASN1ObjectIdentifier BIRTH_DATE_OID = new ASN1ObjectIdentifier("1.2.392.200149.8.5.5.4");
    static final ASN1ObjectIdentifier ADDRESS_OID = new ASN1ObjectIdentifier("1.2.392.200149.8.5.5.5");

    private final Credential auth;
    private final Credential sign;
    private final String authPin;
    private final String signPin;

    private JpkiCardIdentity(Credential auth, Credential sign, String authPin, String signPin) {
        this.auth = auth;
        this.sign = sign;
        this.authPin = authPin;
        this.signPin = signPin;
    }

    /** Starts an identity with PIN {@code 1234} / {@code SIGN1234} and a freshly generated test PKI. */
    public static Builder builder() {
        return new Builder();
    }

    /** A card with default PINs and a new test PKI; takes a moment (four RSA-2048 key pairs). */
    public static JpkiCardIdentity generate() {
        return builder().build();
    }

    /** The user-authentication certificate (EF {@code 000A}). */
    public X509Certificate authCertificate() {
        return auth.certificate();
    }

    /** The self-signed CA certificate for user authentication (EF {@code 000B}). */
    public X509Certificate authCaCertificate() {
        return auth.caCertificate();
    }

    /** The signature certificate (EF {@code 0001}, readable after the signature PIN). */
    public X509Certificate signCertificate() {
        return sign.certificate();
    }

    /** The self-signed CA certificate for signatures (EF {@code 0002}). */
    public X509Certificate signCaCertificate() {
        return sign.caCertificate();
    }

    /** The PIN this card expects for {@code role}. */
    public String pin(JpkiPinRole role) {
        return role == JpkiPinRole.AUTHENTICATION ? authPin : signPin;
    }

    Credential credential(JpkiPinRole role) {
        return role == JpkiPinRole.AUTHENTICATION ? auth : sign;
    }

    @Override
    public String toString() {
        return "JpkiCardIdentity[PINs, keys and personal data redacted]";
    }

    /** A key with its certificate and the CA certificate that issued it. */
    record Credential(PrivateKey privateKey, X509Certificate certificate, X509Certificate caCertificate) {

        Credential {
            Objects.requireNonNull(privateKey, "privateKey");
            Objects.requireNonNull(certificate, "certificate");
            Objects.requireNonNull(caCertificate, "caCertificate");
            PublicKey pub = certificate.getPublicKey();
            if (privateKey instanceof java.security.interfaces.ECPrivateKey ec) {
                if (ec.getParams().getCurve().getField().getFieldSize() != 384
                        || !(pub instanceof java.security.interfaces.ECPublicKey ecPub)
                        || !ecPub.getParams().getCurve().equals(ec.getParams().getCurve())
                        || !signsFor(privateKey, pub)) {
                    throw new IllegalArgumentException("a next-generation card holds EC P-384 keys that belong to"
                            + " their certificates");
                }
            } else {
                if (!(privateKey instanceof RSAPrivateKey rsa) || rsa.getModulus().bitLength() != 2048) {
                    throw new IllegalArgumentException("a JPKI card holds RSA-2048 (or, next generation, EC P-384)"
                            + " keys");
                }
                if (!(pub instanceof RSAPublicKey rsaPub) || !rsaPub.getModulus().equals(rsa.getModulus())) {
                    throw new IllegalArgumentException("the private key does not belong to the certificate "
                            + certificate.getSubjectX500Principal());
                }
            }
            try {
                if (certificate.getEncoded().length > 0xFFFF || caCertificate.getEncoded().length > 0xFFFF) {
                    throw new IllegalArgumentException("certificate too large for a card EF");
                }
            } catch (CertificateEncodingException e) {
                throw new IllegalArgumentException("certificate cannot be encoded", e);
            }
        }

        private static boolean signsFor(PrivateKey key, PublicKey pub) {
            try {
                byte[] probe = "key pair check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                java.security.Signature s = java.security.Signature.getInstance("SHA384withECDSA");
                s.initSign(key);
                s.update(probe);
                byte[] sig = s.sign();
                s.initVerify(pub);
                s.update(probe);
                return s.verify(sig);
            } catch (GeneralSecurityException e) {
                return false;
            }
        }

        byte[] certificateDer() {
            return der(certificate);
        }

        byte[] caCertificateDer() {
            return der(caCertificate);
        }

        private static byte[] der(X509Certificate c) {
            try {
                return c.getEncoded();
            } catch (CertificateEncodingException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    /** Chooses PINs, holder data and, optionally, given keys and certificates. Not thread-safe. */
    public static final class Builder {
        private String authPin = "1234";
        private String signPin = "SIGN1234";
        private FictitiousHolder holder = FictitiousHolder.example();
        private Duration validity = Duration.ofDays(5 * 365);
        private Credential auth;
        private Credential sign;
        private boolean ecP384;

        private Builder() {
        }

        /** The 4-digit user-authentication PIN. */
        public Builder authPin(String pin) {
            requireFormat(JpkiPinRole.AUTHENTICATION, pin);
            this.authPin = pin;
            return this;
        }

        /** The signature PIN, 6–16 characters A–Z and 0–9. */
        public Builder signPin(String pin) {
            requireFormat(JpkiPinRole.SIGNATURE, pin);
            this.signPin = pin;
            return this;
        }

        /** The invented personal data of a generated signature certificate. */
        public Builder holder(FictitiousHolder holder) {
            this.holder = Objects.requireNonNull(holder, "holder");
            return this;
        }

        /**
         * Generates EC P-384 keys and certificates signed with ECDSA-SHA384 instead of RSA-2048, as the
         * card announced for 2026 is to carry (use with {@code JpkiCardProfile.NEXT_GENERATION}).
         */
        public Builder ecP384() {
            this.ecP384 = true;
            return this;
        }

        /** How long generated user certificates are valid from now (default about five years). */
        public Builder validity(Duration validity) {
            if (validity.isNegative() || validity.isZero()) {
                throw new IllegalArgumentException("validity must be positive");
            }
            this.validity = validity;
            return this;
        }

        /**
         * Uses a given user-authentication key and certificates instead of generating them.
         *
         * @throws IllegalArgumentException unless the key is RSA-2048 and belongs to the certificate
         */
        public Builder authCredential(PrivateKey key, X509Certificate certificate, X509Certificate caCertificate) {
            this.auth = new Credential(key, certificate, caCertificate);
            return this;
        }

        /**
         * Uses a given signature key and certificates instead of generating them.
         *
         * @throws IllegalArgumentException unless the key is RSA-2048 and belongs to the certificate
         */
        public Builder signCredential(PrivateKey key, X509Certificate certificate, X509Certificate caCertificate) {
            this.sign = new Credential(key, certificate, caCertificate);
            return this;
        }

        /**
         * Builds the identity, generating the test PKI for what was not given.
         *
         * @throws IllegalStateException if the JCA cannot generate RSA keys or sign certificates
         */
        public JpkiCardIdentity build() {
            try {
                Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
                Credential a = auth != null ? auth : generateAuth(now);
                Credential s = sign != null ? sign : generateSign(now);
                return new JpkiCardIdentity(a, s, authPin, signPin);
            } catch (GeneralSecurityException | OperatorCreationException | CertIOException e) {
                throw new IllegalStateException("cannot generate the emulated card's test PKI", e);
            }
        }

        private Credential generateAuth(Instant now)
                throws GeneralSecurityException, OperatorCreationException, CertIOException {
            KeyPair caKeys = keyPair();
            X500Name caName = caName("JPKI for user authentication");
            X509Certificate ca = selfSigned(caName, caKeys, now);
            KeyPair keys = keyPair();
            // JPKI's user-authentication certificate carries no personal data: just an identifier.
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.C, "JP")
                    .addRDN(BCStyle.CN, randomId()).build();
            X509v3CertificateBuilder b = userBuilder(ca, caKeys, subject, keys, now);
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
            b.addExtension(Extension.certificatePolicies, false,
                    new CertificatePolicies(new PolicyInformation(AUTH_POLICY)));
            return new Credential(keys.getPrivate(), sign(b, caKeys), ca);
        }

        private Credential generateSign(Instant now)
                throws GeneralSecurityException, OperatorCreationException, CertIOException {
            KeyPair caKeys = keyPair();
            X500Name caName = caName("JPKI for digital signature");
            X509Certificate ca = selfSigned(caName, caKeys, now);
            KeyPair keys = keyPair();
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.C, "JP")
                    .addRDN(BCStyle.L, "Tokyo-to").addRDN(BCStyle.L, "Chiyoda-ku")
                    .addRDN(BCStyle.CN, randomId()).build();
            X509v3CertificateBuilder b = userBuilder(ca, caKeys, subject, keys, now);
            b.addExtension(Extension.keyUsage, true,
                    new KeyUsage(KeyUsage.digitalSignature | KeyUsage.nonRepudiation));
            b.addExtension(Extension.certificatePolicies, false,
                    new CertificatePolicies(new PolicyInformation(SIGN_POLICY)));
            b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                otherName(NAME_OID, new DERUTF8String(holder.name())),
                otherName(SEX_OID, new DERPrintableString(Integer.toString(holder.sex()))),
                otherName(BIRTH_DATE_OID,
                        new DERPrintableString(holder.birthDate().format(DateTimeFormatter.BASIC_ISO_DATE))),
                otherName(ADDRESS_OID, new DERUTF8String(holder.address()))}));
            return new Credential(keys.getPrivate(), sign(b, caKeys), ca);
        }

        private X509v3CertificateBuilder userBuilder(X509Certificate ca, KeyPair caKeys, X500Name subject,
                KeyPair keys, Instant now) throws GeneralSecurityException, CertIOException {
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(X500Name.getInstance(
                    ca.getSubjectX500Principal().getEncoded()), serial(), Date.from(now.minus(1, ChronoUnit.HOURS)),
                    Date.from(now.plus(validity)), subject, keys.getPublic());
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            b.addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(ca));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            return b;
        }

        private static X509Certificate selfSigned(X500Name name, KeyPair keys, Instant now)
                throws GeneralSecurityException, OperatorCreationException, CertIOException {
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(name, serial(),
                    Date.from(now.minus(1, ChronoUnit.DAYS)), Date.from(now.plus(Duration.ofDays(20 * 365))), name,
                    keys.getPublic());
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            b.addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()));
            return sign(b, keys);
        }

        private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair issuerKeys)
                throws GeneralSecurityException, OperatorCreationException {
            return new JcaX509CertificateConverter()
                    .getCertificate(b.build(new JcaContentSignerBuilder(issuerKeys.getPrivate().getAlgorithm()
                            .equals("EC") ? "SHA384withECDSA" : "SHA256withRSA").build(issuerKeys.getPrivate())));
        }

        private static X500Name caName(String ou) {
            return new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.C, "JP").addRDN(BCStyle.O, "JPKI")
                    .addRDN(BCStyle.OU, ou).addRDN(BCStyle.OU, JLIS_OU).build();
        }

        private static GeneralName otherName(ASN1ObjectIdentifier type, ASN1Encodable value) {
            return new GeneralName(GeneralName.otherName,
                    new DERSequence(new ASN1Encodable[] {type, new DERTaggedObject(true, 0, value)}));
        }

        private KeyPair keyPair() throws GeneralSecurityException {
            if (ecP384) {
                KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
                g.initialize(new java.security.spec.ECGenParameterSpec("secp384r1"));
                return g.generateKeyPair();
            }
            return rsa2048();
        }

        private static KeyPair rsa2048() throws GeneralSecurityException {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        }

        private static BigInteger serial() {
            return new BigInteger(64, new SecureRandom()).add(BigInteger.ONE);
        }

        private static String randomId() {
            byte[] b = new byte[12];
            new SecureRandom().nextBytes(b);
            return HexFormat.of().withUpperCase().formatHex(b);
        }

        private static void requireFormat(JpkiPinRole role, String pin) {
            if (!role.accepts(pin)) {
                throw new IllegalArgumentException(role == JpkiPinRole.AUTHENTICATION
                        ? "the user-authentication PIN is 4 digits"
                        : "the signature PIN is 6 to 16 characters A-Z and 0-9 (uppercase)");
            }
        }
    }
}
