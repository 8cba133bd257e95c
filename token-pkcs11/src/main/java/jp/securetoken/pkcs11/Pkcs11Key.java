package jp.securetoken.pkcs11;

import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenKey;
import jp.securetoken.api.UnsupportedSignatureSchemeException;

/**
 * A private key object in a PKCS#11 token (sensitive, not extractable): either SunPKCS11's handle
 * of a key paired with its certificate by CKA_ID, or, for a key paired only by CKA_LABEL (which
 * SunPKCS11's KeyStore does not pair), the label by which the key object is found for C_Sign.
 * Signing runs on the token's queue.
 */
final class Pkcs11Key implements TokenKey {
    private final Pkcs11Token token;
    private final String alias;
    private final PrivateKey privateKey;
    private final String objectLabel;
    private final PublicKey publicKey;
    private final Set<SignatureScheme> schemes;

    Pkcs11Key(Pkcs11Token token, String alias, PrivateKey privateKey, PublicKey publicKey,
            Set<SignatureScheme> tokenSchemes) {
        this(token, alias, privateKey, null, publicKey, tokenSchemes);
    }

    /** A key found by its CKA_LABEL, signed with through C_Sign directly. */
    static Pkcs11Key byLabel(Pkcs11Token token, String label, PublicKey publicKey, Set<SignatureScheme> tokenSchemes) {
        return new Pkcs11Key(token, label, null, label, publicKey, tokenSchemes);
    }

    private Pkcs11Key(Pkcs11Token token, String alias, PrivateKey privateKey, String objectLabel, PublicKey publicKey,
            Set<SignatureScheme> tokenSchemes) {
        this.token = token;
        this.alias = alias;
        this.privateKey = privateKey;
        this.objectLabel = objectLabel;
        this.publicKey = publicKey;
        EnumSet<SignatureScheme> s = EnumSet.noneOf(SignatureScheme.class);
        for (SignatureScheme scheme : tokenSchemes) {
            if (fits(scheme, publicKey)) {
                s.add(scheme);
            }
        }
        this.schemes = Collections.unmodifiableSet(s);
    }

    private static boolean fits(SignatureScheme scheme, PublicKey key) {
        if (!scheme.keyAlgorithm().equals(key.getAlgorithm())) {
            return false;
        }
        if (key instanceof ECPublicKey ec) {
            int bits = ec.getParams().getCurve().getField().getFieldSize();
            return switch (scheme) {
                case ECDSA_P256_SHA256 -> bits == 256;
                case ECDSA_P384_SHA384 -> bits == 384;
                case ECDSA_P521_SHA512 -> bits == 521;
                default -> false;
            };
        }
        return scheme != SignatureScheme.RSA_PKCS1_SHA1;
    }

    String alias() {
        return alias;
    }

    /** SunPKCS11's key, or null for a key paired by label. */
    PrivateKey privateKey() {
        return privateKey;
    }

    /** The CKA_LABEL of a key paired by label, or null. */
    String objectLabel() {
        return objectLabel;
    }

    @Override
    public String algorithm() {
        return publicKey.getAlgorithm();
    }

    @Override
    public PublicKey publicKey() {
        return publicKey;
    }

    @Override
    public Set<SignatureScheme> signatureSchemes() {
        return schemes;
    }

    @Override
    public CompletableFuture<byte[]> signDigestAsync(SignatureScheme scheme, byte[] digest) {
        if (!schemes.contains(scheme)) {
            return CompletableFuture.failedFuture(new UnsupportedSignatureSchemeException(scheme, schemes));
        }
        try {
            scheme.requireDigestLength(digest);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        byte[] copy = digest.clone();
        return token.queue().submit(() -> token.signDigest(this, scheme, copy));
    }

    @Override
    public String toString() {
        return "Pkcs11Key[alias=" + alias + ", algorithm=" + algorithm() + "]";
    }
}
