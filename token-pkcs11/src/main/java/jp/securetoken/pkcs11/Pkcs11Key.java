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
 * A private key object in a PKCS#11 token, held as SunPKCS11's handle (sensitive, not extractable).
 * Signing runs on the token's queue.
 */
final class Pkcs11Key implements TokenKey {
    private final Pkcs11Token token;
    private final String alias;
    private final PrivateKey privateKey;
    private final PublicKey publicKey;
    private final Set<SignatureScheme> schemes;

    Pkcs11Key(Pkcs11Token token, String alias, PrivateKey privateKey, PublicKey publicKey,
            Set<SignatureScheme> tokenSchemes) {
        this.token = token;
        this.alias = alias;
        this.privateKey = privateKey;
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

    PrivateKey privateKey() {
        return privateKey;
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
