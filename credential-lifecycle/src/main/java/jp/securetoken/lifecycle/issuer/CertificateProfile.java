package jp.securetoken.lifecycle.issuer;

import java.net.URI;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;

/**
 * What the issuing server puts into every certificate it issues and which keys it accepts: a
 * validity, the key usages and extended key usages, a CRL distribution point, and the subject
 * alternative names of the invitation (or, on re-enrollment, of the current certificate); RSA keys
 * of at least {@code minRsaBits}, EC keys only on the named curves.
 *
 * <p>By default ({@link #defaults()}): one year; keyUsage digitalSignature, and keyEncipherment for
 * RSA keys; extendedKeyUsage clientAuth and serverAuth (node authentication in both roles); the
 * CRL distribution point of the server that issues. A {@link Usage} that does not fit a key
 * (keyEncipherment for an EC key, keyAgreement for an RSA key) is left out of that key's
 * certificate.
 *
 * @param validity             how long an issued certificate is valid (never beyond the CA's own validity)
 * @param minRsaBits           smallest RSA modulus accepted
 * @param allowedCurves        EC curves accepted, by standard name ({@code secp256r1}, {@code secp384r1})
 * @param keyUsage             the keyUsage bits (critical); digitalSignature always among them
 * @param extendedKeyUsage     the extendedKeyUsage purposes; at least one
 * @param crlDistributionPoint the URL written as the certificates' CRL distribution point; empty: the
 *                             issuing {@link EstServer}'s own CRL address
 */
public record CertificateProfile(Duration validity, int minRsaBits, Set<String> allowedCurves, Set<Usage> keyUsage,
        Set<Purpose> extendedKeyUsage, Optional<URI> crlDistributionPoint) {

    /** keyUsage bits a node certificate may carry (RFC 5280 §4.2.1.3), named as openssl names them. */
    public enum Usage {
        /** A node signs in TLS handshakes: always present. */
        DIGITAL_SIGNATURE("digitalSignature", KeyUsage.digitalSignature),
        NON_REPUDIATION("nonRepudiation", KeyUsage.nonRepudiation),
        /** RSA key transport (TLS 1.2 RSA key exchange); RSA keys only. */
        KEY_ENCIPHERMENT("keyEncipherment", KeyUsage.keyEncipherment),
        /** Static (EC)DH; EC keys only. */
        KEY_AGREEMENT("keyAgreement", KeyUsage.keyAgreement);

        private final String text;
        private final int bit;

        Usage(String text, int bit) {
            this.text = text;
            this.bit = bit;
        }

        /** The name openssl and RFC 5280 use, e.g. {@code digitalSignature}. */
        public String text() {
            return text;
        }

        int bit() {
            return bit;
        }

        /** Whether the usage makes sense for a key of this JCA algorithm ({@code RSA}, {@code EC}). */
        boolean fits(String keyAlgorithm) {
            return switch (this) {
                case KEY_ENCIPHERMENT -> keyAlgorithm.equals("RSA");
                case KEY_AGREEMENT -> keyAlgorithm.startsWith("EC"); // EC, or ECDSA from some providers
                default -> true;
            };
        }

        /** The usage named {@code text} ({@code digitalSignature}, any case, or {@code DIGITAL_SIGNATURE}). */
        public static Usage named(String text) {
            for (Usage u : values()) {
                if (u.text.equalsIgnoreCase(text.trim()) || u.name().equalsIgnoreCase(text.trim())) {
                    return u;
                }
            }
            throw new IllegalArgumentException("unknown key usage '" + text + "' (one of digitalSignature, "
                    + "nonRepudiation, keyEncipherment, keyAgreement)");
        }
    }

    /** extendedKeyUsage purposes of node authentication (RFC 5280 §4.2.1.12), named as openssl names them. */
    public enum Purpose {
        /** TLS client: the node connects to others. */
        CLIENT_AUTH("clientAuth", KeyPurposeId.id_kp_clientAuth),
        /** TLS server: the node accepts connections (a gateway, an access point). */
        SERVER_AUTH("serverAuth", KeyPurposeId.id_kp_serverAuth);

        private final String text;
        private final KeyPurposeId id;

        Purpose(String text, KeyPurposeId id) {
            this.text = text;
            this.id = id;
        }

        /** The name openssl uses, e.g. {@code clientAuth}. */
        public String text() {
            return text;
        }

        KeyPurposeId id() {
            return id;
        }

        /** The purpose named {@code text} ({@code clientAuth}, any case, or {@code CLIENT_AUTH}). */
        public static Purpose named(String text) {
            for (Purpose p : values()) {
                if (p.text.equalsIgnoreCase(text.trim()) || p.name().equalsIgnoreCase(text.trim())) {
                    return p;
                }
            }
            throw new IllegalArgumentException("unknown extended key usage '" + text + "' (clientAuth or serverAuth)");
        }
    }

    public CertificateProfile {
        if (validity.isNegative() || validity.isZero()) {
            throw new IllegalArgumentException("a certificate's validity must be positive");
        }
        if (minRsaBits < 2048) {
            throw new IllegalArgumentException("RSA keys below 2048 bits are not acceptable (BCP195, MHLW guideline)");
        }
        allowedCurves = Set.copyOf(allowedCurves);
        keyUsage = Set.copyOf(keyUsage);
        extendedKeyUsage = Set.copyOf(extendedKeyUsage);
        if (!keyUsage.contains(Usage.DIGITAL_SIGNATURE)) {
            throw new IllegalArgumentException("a node certificate needs keyUsage digitalSignature: a node "
                    + "authenticates by signing in the TLS handshake");
        }
        if (extendedKeyUsage.isEmpty()) {
            throw new IllegalArgumentException("a node certificate needs an extended key usage: clientAuth, "
                    + "serverAuth or both");
        }
        if (crlDistributionPoint.isPresent()) {
            URI uri = crlDistributionPoint.get();
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
                throw new IllegalArgumentException("a CRL distribution point is an http:// (or https://) URL, not '"
                        + uri + "'");
            }
        }
    }

    /**
     * One year; digitalSignature (+ keyEncipherment for RSA); clientAuth and serverAuth; RSA 2048 and
     * up; P-256 and P-384; the issuing server's own CRL address.
     */
    public static CertificateProfile defaults() {
        return new CertificateProfile(Duration.ofDays(365), 2048, Set.of("secp256r1", "secp384r1"),
                EnumSet.of(Usage.DIGITAL_SIGNATURE, Usage.KEY_ENCIPHERMENT),
                EnumSet.of(Purpose.CLIENT_AUTH, Purpose.SERVER_AUTH), Optional.empty());
    }

    public CertificateProfile withValidity(Duration validity) {
        return new CertificateProfile(validity, minRsaBits, allowedCurves, keyUsage, extendedKeyUsage,
                crlDistributionPoint);
    }

    /** The same profile with these keyUsage bits (digitalSignature must be one). */
    public CertificateProfile withKeyUsage(Set<Usage> usages) {
        return new CertificateProfile(validity, minRsaBits, allowedCurves, usages, extendedKeyUsage,
                crlDistributionPoint);
    }

    /** The same profile with these extendedKeyUsage purposes (at least one). */
    public CertificateProfile withExtendedKeyUsage(Set<Purpose> purposes) {
        return new CertificateProfile(validity, minRsaBits, allowedCurves, keyUsage, purposes, crlDistributionPoint);
    }

    /** The same profile naming {@code url} as the CRL distribution point of every certificate issued. */
    public CertificateProfile withCrlDistributionPoint(URI url) {
        return new CertificateProfile(validity, minRsaBits, allowedCurves, keyUsage, extendedKeyUsage,
                Optional.of(url));
    }

    /** The keyUsage bits for a key of this JCA algorithm ({@code RSA}, {@code EC}). */
    int keyUsageBits(String keyAlgorithm) {
        int bits = 0;
        for (Usage u : keyUsage) {
            if (u.fits(keyAlgorithm)) {
                bits |= u.bit();
            }
        }
        return bits;
    }

    /** The extendedKeyUsage purposes in a fixed order (clientAuth before serverAuth). */
    KeyPurposeId[] purposes() {
        return EnumSet.copyOf(extendedKeyUsage).stream().map(Purpose::id).toArray(KeyPurposeId[]::new);
    }
}
