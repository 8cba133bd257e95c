package jp.securetoken.api.jca;

import java.io.ByteArrayOutputStream;
import java.security.InvalidAlgorithmParameterException;
import java.security.InvalidKeyException;
import java.security.InvalidParameterException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SignatureException;
import java.security.SignatureSpi;
import java.security.spec.AlgorithmParameterSpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.util.Arrays;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenException;
import jp.securetoken.api.TokenKey;

/**
 * Signature services for token keys: hashes on the host and has the token sign the hash. Only
 * {@link TokenPrivateKey}s are accepted, so JCA's delayed provider selection sends ordinary keys
 * to the standard providers. Verification is left to the standard providers.
 */
final class TokenSignatureSpi extends SignatureSpi {

    /** How the algorithm name maps onto schemes. */
    enum Mode {
        PKCS1, PSS, ECDSA, PKCS1_DIGEST_INFO, ECDSA_RAW
    }

    private final Mode mode;
    private String digestAlgorithm;
    private MessageDigest digest;
    private final ByteArrayOutputStream raw = new ByteArrayOutputStream();
    private TokenKey key;
    private PSSParameterSpec pssParameters;

    TokenSignatureSpi(Mode mode, String digestAlgorithm) {
        this.mode = mode;
        this.digestAlgorithm = digestAlgorithm;
    }

    @Override
    protected void engineInitSign(PrivateKey privateKey) throws InvalidKeyException {
        if (!(privateKey instanceof TokenPrivateKey tokenPrivateKey)) {
            throw new InvalidKeyException("only token keys are signed here");
        }
        TokenKey candidate = tokenPrivateKey.tokenKey();
        if (mode != Mode.PKCS1_DIGEST_INFO && mode != Mode.ECDSA_RAW) {
            if (digestAlgorithm == null) {
                throw new InvalidKeyException("RSASSA-PSS needs its PSS parameters before initSign");
            }
            SignatureScheme scheme = scheme(digestAlgorithm, candidate);
            if (!candidate.signatureSchemes().contains(scheme)) {
                throw new InvalidKeyException("the token key cannot sign " + scheme.tlsName());
            }
        } else if (!candidate.algorithm().equals(mode == Mode.ECDSA_RAW ? "EC" : "RSA")) {
            throw new InvalidKeyException("wrong key type " + candidate.algorithm());
        }
        this.key = candidate;
        reset();
    }

    @Override
    protected void engineInitVerify(PublicKey publicKey) throws InvalidKeyException {
        throw new InvalidKeyException("token signature services only sign; verify with a standard provider");
    }

    @Override
    protected void engineUpdate(byte b) {
        engineUpdate(new byte[] {b}, 0, 1);
    }

    @Override
    protected void engineUpdate(byte[] b, int off, int len) {
        if (digest != null) {
            digest.update(b, off, len);
        } else {
            raw.write(b, off, len);
        }
    }

    @Override
    protected byte[] engineSign() throws SignatureException {
        if (key == null) {
            throw new SignatureException("not initialised for signing");
        }
        try {
            return switch (mode) {
                case PKCS1_DIGEST_INFO -> {
                    byte[] digestInfo = raw.toByteArray();
                    SignatureScheme scheme = SignatureScheme.fromDigestInfo(digestInfo).orElseThrow(
                            () -> new SignatureException("NONEwithRSA input is not a DigestInfo of a known hash"));
                    yield key.signDigest(scheme,
                            Arrays.copyOfRange(digestInfo, digestInfo.length - scheme.digestLength(), digestInfo.length));
                }
                case ECDSA_RAW -> {
                    byte[] hash = raw.toByteArray();
                    yield key.signDigest(ecdsaSchemeForLength(hash.length), hash);
                }
                default -> key.signDigest(scheme(digestAlgorithm, key), digest.digest());
            };
        } catch (TokenException e) {
            throw new SignatureException(e.getMessage(), e);
        } finally {
            reset();
        }
    }

    @Override
    protected boolean engineVerify(byte[] sigBytes) throws SignatureException {
        throw new SignatureException("token signature services only sign");
    }

    @Override
    protected void engineSetParameter(AlgorithmParameterSpec params) throws InvalidAlgorithmParameterException {
        if (mode != Mode.PSS) {
            if (params != null) {
                throw new InvalidAlgorithmParameterException("this algorithm takes no parameters");
            }
            return;
        }
        if (!(params instanceof PSSParameterSpec pss)) {
            throw new InvalidAlgorithmParameterException("RSASSA-PSS needs a PSSParameterSpec");
        }
        String hash = pss.getDigestAlgorithm();
        int hashLength = SchemeHashes.length(hash);
        if (hashLength < 0 || !"MGF1".equalsIgnoreCase(pss.getMGFAlgorithm())
                || !(pss.getMGFParameters() instanceof MGF1ParameterSpec mgf)
                || SchemeHashes.length(mgf.getDigestAlgorithm()) != hashLength
                || pss.getSaltLength() != hashLength || pss.getTrailerField() != 1) {
            throw new InvalidAlgorithmParameterException(
                    "tokens sign PSS only with MGF1 over the same hash and a salt as long as the hash");
        }
        this.pssParameters = pss;
        this.digestAlgorithm = SchemeHashes.canonical(hash);
        if (key != null && !key.signatureSchemes().contains(scheme(digestAlgorithm, key))) {
            throw new InvalidAlgorithmParameterException("the token key cannot sign PSS with " + hash);
        }
        reset();
    }

    @Override
    protected java.security.AlgorithmParameters engineGetParameters() {
        if (pssParameters == null) {
            return null;
        }
        try {
            java.security.AlgorithmParameters p = java.security.AlgorithmParameters.getInstance("RSASSA-PSS");
            p.init(pssParameters);
            return p;
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    @Deprecated
    protected void engineSetParameter(String param, Object value) {
        throw new InvalidParameterException("no settable parameters");
    }

    @Override
    @Deprecated
    protected Object engineGetParameter(String param) {
        throw new InvalidParameterException("no parameters");
    }

    private void reset() {
        raw.reset();
        if (mode == Mode.PKCS1_DIGEST_INFO || mode == Mode.ECDSA_RAW || digestAlgorithm == null) {
            digest = null;
            return;
        }
        try {
            digest = MessageDigest.getInstance(digestAlgorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private SignatureScheme scheme(String hash, TokenKey forKey) {
        String family = switch (mode) {
            case PSS -> "PSS";
            case ECDSA, ECDSA_RAW -> "NONE";
            default -> "PKCS1";
        };
        for (SignatureScheme s : SignatureScheme.values()) {
            if (s.padding().name().equals(family) && s.digestAlgorithm().equals(hash)) {
                return s;
            }
        }
        throw new IllegalStateException("no scheme for " + hash + " with " + forKey.algorithm());
    }

    private SignatureScheme ecdsaSchemeForLength(int length) throws SignatureException {
        for (SignatureScheme s : key.signatureSchemes()) {
            if (s.padding() == SignatureScheme.Padding.NONE && s.digestLength() == length) {
                return s;
            }
        }
        throw new SignatureException("the token key signs no " + (length * 8) + "-bit ECDSA hash");
    }

    /** Hash names as the JCA spells them in PSS parameters. */
    static final class SchemeHashes {
        private SchemeHashes() {
        }

        static String canonical(String name) {
            String n = name.toUpperCase().replace("-", "");
            return switch (n) {
                case "SHA1" -> "SHA-1";
                case "SHA256" -> "SHA-256";
                case "SHA384" -> "SHA-384";
                case "SHA512" -> "SHA-512";
                default -> name;
            };
        }

        static int length(String name) {
            return switch (canonical(name)) {
                case "SHA-256" -> 32;
                case "SHA-384" -> 48;
                case "SHA-512" -> 64;
                default -> -1;
            };
        }
    }
}
