package jp.securetoken.api;

import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.HexFormat;
import java.util.Optional;

/**
 * A signature a token can compute, named as TLS names it (RFC 8446 section 4.2.3). Tokens declare
 * which schemes they support; the TLS layer uses that to pick a protocol version a token can serve:
 * TLS 1.3 forbids PKCS#1 v1.5 in CertificateVerify, so a PKCS#1-only card is limited to TLS 1.2.
 */
public enum SignatureScheme {
    RSA_PKCS1_SHA1("rsa_pkcs1_sha1", 0x0201, "RSA", "SHA-1", Padding.PKCS1, "3021300906052b0e03021a05000414"),
    RSA_PKCS1_SHA256("rsa_pkcs1_sha256", 0x0401, "RSA", "SHA-256", Padding.PKCS1,
            "3031300d060960864801650304020105000420"),
    RSA_PKCS1_SHA384("rsa_pkcs1_sha384", 0x0501, "RSA", "SHA-384", Padding.PKCS1,
            "3041300d060960864801650304020205000430"),
    RSA_PKCS1_SHA512("rsa_pkcs1_sha512", 0x0601, "RSA", "SHA-512", Padding.PKCS1,
            "3051300d060960864801650304020305000440"),
    RSA_PSS_SHA256("rsa_pss_rsae_sha256", 0x0804, "RSA", "SHA-256", Padding.PSS, null),
    RSA_PSS_SHA384("rsa_pss_rsae_sha384", 0x0805, "RSA", "SHA-384", Padding.PSS, null),
    RSA_PSS_SHA512("rsa_pss_rsae_sha512", 0x0806, "RSA", "SHA-512", Padding.PSS, null),
    ECDSA_P256_SHA256("ecdsa_secp256r1_sha256", 0x0403, "EC", "SHA-256", Padding.NONE, null),
    ECDSA_P384_SHA384("ecdsa_secp384r1_sha384", 0x0503, "EC", "SHA-384", Padding.NONE, null),
    ECDSA_P521_SHA512("ecdsa_secp521r1_sha512", 0x0603, "EC", "SHA-512", Padding.NONE, null);

    /** How the digest is turned into the value the private key operates on. */
    public enum Padding {
        /** RSASSA-PKCS1-v1_5 over a DER DigestInfo (RFC 8017 section 9.2). */
        PKCS1,
        /** RSASSA-PSS with MGF1 over the same hash and a salt as long as the hash. */
        PSS,
        /** ECDSA: the digest is signed as it is. */
        NONE
    }

    private final String tlsName;
    private final int tlsCodePoint;
    private final String keyAlgorithm;
    private final String digestAlgorithm;
    private final Padding padding;
    private final byte[] digestInfoPrefix;

    SignatureScheme(String tlsName, int tlsCodePoint, String keyAlgorithm, String digestAlgorithm, Padding padding,
            String digestInfoPrefixHex) {
        this.tlsName = tlsName;
        this.tlsCodePoint = tlsCodePoint;
        this.keyAlgorithm = keyAlgorithm;
        this.digestAlgorithm = digestAlgorithm;
        this.padding = padding;
        this.digestInfoPrefix = digestInfoPrefixHex == null ? null : HexFormat.of().parseHex(digestInfoPrefixHex);
    }

    /** The name in TLS, e.g. {@code rsa_pss_rsae_sha256}. */
    public String tlsName() {
        return tlsName;
    }

    public int tlsCodePoint() {
        return tlsCodePoint;
    }

    /** The key algorithm as JCA names it: {@code RSA} or {@code EC}. */
    public String keyAlgorithm() {
        return keyAlgorithm;
    }

    /** The JCA name of the hash, e.g. {@code SHA-256}. */
    public String digestAlgorithm() {
        return digestAlgorithm;
    }

    public Padding padding() {
        return padding;
    }

    /** Length in bytes of the hash this scheme signs. */
    public int digestLength() {
        return switch (digestAlgorithm) {
            case "SHA-1" -> 20;
            case "SHA-256" -> 32;
            case "SHA-384" -> 48;
            default -> 64;
        };
    }

    /** The JCA signature algorithm that computes this scheme over the message. */
    public String jcaAlgorithm() {
        String hash = digestAlgorithm.replace("-", "");
        return switch (padding) {
            case PKCS1 -> hash + "withRSA";
            case PSS -> "RSASSA-PSS";
            case NONE -> hash + "withECDSA";
        };
    }

    /** PSS parameters for a PSS scheme, as JCA's {@code RSASSA-PSS} wants them. */
    public Optional<AlgorithmParameterSpec> jcaParameters() {
        if (padding != Padding.PSS) {
            return Optional.empty();
        }
        MGF1ParameterSpec mgf = new MGF1ParameterSpec(digestAlgorithm);
        return Optional.of(new PSSParameterSpec(digestAlgorithm, "MGF1", mgf, digestLength(), 1));
    }

    /** Whether TLS 1.3 allows this scheme in CertificateVerify (no PKCS#1 v1.5, no SHA-1). */
    public boolean allowedInTls13() {
        return padding != Padding.PKCS1 && !"SHA-1".equals(digestAlgorithm);
    }

    /**
     * The DER DigestInfo that RSASSA-PKCS1-v1_5 signs, built on the host as a card's sign command
     * expects it.
     *
     * @throws IllegalStateException for a scheme that is not PKCS#1 v1.5
     * @throws IllegalArgumentException when the digest has the wrong length
     */
    public byte[] digestInfo(byte[] digest) {
        if (digestInfoPrefix == null) {
            throw new IllegalStateException(this + " does not sign a DigestInfo");
        }
        requireDigestLength(digest);
        byte[] out = new byte[digestInfoPrefix.length + digest.length];
        System.arraycopy(digestInfoPrefix, 0, out, 0, digestInfoPrefix.length);
        System.arraycopy(digest, 0, out, digestInfoPrefix.length, digest.length);
        return out;
    }

    /** Throws {@link IllegalArgumentException} unless {@code digest} is as long as this scheme's hash. */
    public void requireDigestLength(byte[] digest) {
        if (digest.length != digestLength()) {
            throw new IllegalArgumentException(this + " signs a " + digestLength() + "-byte " + digestAlgorithm
                    + " digest, got " + digest.length + " bytes");
        }
    }

    /** The PKCS#1 v1.5 scheme whose DigestInfo this is, for callers that hand over a ready DigestInfo. */
    public static Optional<SignatureScheme> fromDigestInfo(byte[] digestInfo) {
        for (SignatureScheme s : values()) {
            if (s.digestInfoPrefix != null && digestInfo.length == s.digestInfoPrefix.length + s.digestLength()
                    && java.util.Arrays.equals(digestInfo, 0, s.digestInfoPrefix.length, s.digestInfoPrefix, 0,
                            s.digestInfoPrefix.length)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** The object identifier of this scheme's hash, e.g. {@code 2.16.840.1.101.3.4.2.1} for SHA-256. */
    public String digestOid() {
        return switch (digestAlgorithm) {
            case "SHA-1" -> "1.3.14.3.2.26";
            case "SHA-256" -> "2.16.840.1.101.3.4.2.1";
            case "SHA-384" -> "2.16.840.1.101.3.4.2.2";
            default -> "2.16.840.1.101.3.4.2.3";
        };
    }

    /**
     * The object identifier of the signature algorithm (X.509 / CMS names): {@code sha256WithRSAEncryption},
     * {@code id-RSASSA-PSS} (the hash then travels in the parameters), {@code ecdsa-with-SHA256}, ...
     */
    public String signatureAlgorithmOid() {
        return switch (padding) {
            case PSS -> "1.2.840.113549.1.1.10";
            case PKCS1 -> switch (digestAlgorithm) {
                case "SHA-1" -> "1.2.840.113549.1.1.5";
                case "SHA-256" -> "1.2.840.113549.1.1.11";
                case "SHA-384" -> "1.2.840.113549.1.1.12";
                default -> "1.2.840.113549.1.1.13";
            };
            case NONE -> switch (digestAlgorithm) {
                case "SHA-256" -> "1.2.840.10045.4.3.2";
                case "SHA-384" -> "1.2.840.10045.4.3.3";
                default -> "1.2.840.10045.4.3.4";
            };
        };
    }

    /**
     * The scheme named by a signature algorithm and a hash object identifier (as remote signing APIs and
     * CMS name them), e.g. {@code 1.2.840.113549.1.1.10} with {@code 2.16.840.1.101.3.4.2.1} is
     * {@link #RSA_PSS_SHA256}.
     */
    public static Optional<SignatureScheme> forOids(String signatureAlgorithmOid, String digestOid) {
        for (SignatureScheme s : values()) {
            if (s.signatureAlgorithmOid().equals(signatureAlgorithmOid) && s.digestOid().equals(digestOid)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }

    /** The scheme with this TLS name, e.g. {@code ecdsa_secp256r1_sha256}. */
    public static Optional<SignatureScheme> forTlsName(String name) {
        for (SignatureScheme s : values()) {
            if (s.tlsName.equals(name)) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
