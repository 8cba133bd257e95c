package jp.securetoken.jpki;

import java.security.PublicKey;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenKey;
import jp.securetoken.api.UnsupportedSignatureSchemeException;

/** The private key of one JPKI token: signs on the card through the token's queue, PKCS#1 v1.5 only. */
final class JpkiTokenKey implements TokenKey {
    private final JpkiToken token;
    private final PublicKey publicKey;
    private final Set<SignatureScheme> schemes;

    JpkiTokenKey(JpkiToken token, PublicKey publicKey, Set<SignatureScheme> schemes) {
        this.token = token;
        this.publicKey = publicKey;
        this.schemes = schemes;
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
        return token.queue().submit(() -> token.signDigest(publicKey, scheme, copy));
    }

    @Override
    public String toString() {
        return "JpkiTokenKey[" + token.type().uriName() + ", " + algorithm() + "]";
    }
}
