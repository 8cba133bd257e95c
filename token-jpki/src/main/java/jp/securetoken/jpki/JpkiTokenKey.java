package jp.securetoken.jpki;

import java.security.PublicKey;
import java.util.Set;

import jp.securetoken.api.CommandQueue;
import jp.securetoken.api.QueuedTokenKey;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenException;

/** The private key of one JPKI token: signs on the card through the token's queue, PKCS#1 v1.5 only. */
final class JpkiTokenKey extends QueuedTokenKey {
    private final JpkiToken token;

    JpkiTokenKey(JpkiToken token, PublicKey publicKey, Set<SignatureScheme> schemes) {
        super(publicKey, schemes);
        this.token = token;
    }

    @Override
    protected CommandQueue queue() {
        return token.queue();
    }

    @Override
    protected byte[] signOnQueue(SignatureScheme scheme, byte[] digest) throws TokenException {
        return token.signDigest(publicKey(), scheme, digest);
    }

    @Override
    public String toString() {
        return "JpkiTokenKey[" + token.type().uriName() + ", " + algorithm() + "]";
    }
}
