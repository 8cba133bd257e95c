package jp.securetoken.soft;

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
 * A handle to one private key in a software token, named by alias and public key. It never
 * exposes the private key; signing runs on the token's queue and needs a logged-in token.
 */
final class SoftTokenKey implements TokenKey {
    private final SoftToken token;
    private final String alias;
    private final PublicKey publicKey;
    private final Set<SignatureScheme> schemes;

    SoftTokenKey(SoftToken token, String alias, PublicKey publicKey) {
        this.token = token;
        this.alias = alias;
        this.publicKey = publicKey;
        this.schemes = schemesFor(publicKey);
    }

    static Set<SignatureScheme> schemesFor(PublicKey key) {
        EnumSet<SignatureScheme> s = EnumSet.noneOf(SignatureScheme.class);
        if (key instanceof ECPublicKey ec) {
            int bits = ec.getParams().getCurve().getField().getFieldSize();
            if (bits == 256) {
                s.add(SignatureScheme.ECDSA_P256_SHA256);
            } else if (bits == 384) {
                s.add(SignatureScheme.ECDSA_P384_SHA384);
            }
        } else if ("RSA".equals(key.getAlgorithm())) {
            s.addAll(EnumSet.of(SignatureScheme.RSA_PKCS1_SHA256, SignatureScheme.RSA_PKCS1_SHA384,
                    SignatureScheme.RSA_PKCS1_SHA512, SignatureScheme.RSA_PSS_SHA256, SignatureScheme.RSA_PSS_SHA384,
                    SignatureScheme.RSA_PSS_SHA512));
        }
        return Collections.unmodifiableSet(s);
    }

    String alias() {
        return alias;
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
        byte[] copy = digest.clone();
        return token.queue().submit(() -> token.signDigest(alias, publicKey, scheme, copy));
    }

    @Override
    public String toString() {
        return "SoftTokenKey[alias=" + alias + ", algorithm=" + algorithm() + ", token=" + token.info().label() + "]";
    }
}
