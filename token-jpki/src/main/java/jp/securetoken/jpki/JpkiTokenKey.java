package jp.securetoken.jpki;

import java.security.PublicKey;
import java.util.Set;

import jp.securetoken.api.CommandQueue;
import jp.securetoken.api.QueuedTokenKey;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenException;

/**
 * The private key of one JPKI token (card or official library): signs through the token's queue with
 * the schemes its certificate's key allows.
 */
final class JpkiTokenKey extends QueuedTokenKey {
    /** Signs a digest on the token's queue and checks the signature with the certificate's key. */
    @FunctionalInterface
    interface Signer {
        byte[] sign(PublicKey publicKey, SignatureScheme scheme, byte[] digest) throws TokenException;
    }

    private final CommandQueue queue;
    private final Signer signer;
    private final String name;

    JpkiTokenKey(CommandQueue queue, PublicKey publicKey, Set<SignatureScheme> schemes, Signer signer, String name) {
        super(publicKey, schemes);
        this.queue = queue;
        this.signer = signer;
        this.name = name;
    }

    @Override
    protected CommandQueue queue() {
        return queue;
    }

    @Override
    protected byte[] signOnQueue(SignatureScheme scheme, byte[] digest) throws TokenException {
        return signer.sign(publicKey(), scheme, digest);
    }

    @Override
    public String toString() {
        return "JpkiTokenKey[" + name + ", " + algorithm() + "]";
    }
}
