package jp.securetoken.remote;

import jp.securetoken.api.CommandQueue;
import jp.securetoken.api.QueuedTokenKey;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenException;

/**
 * The handle of a key held by the remote signing service. Each signature is a signature activation
 * (credentials/authorize, with the PIN or one-time password the credential asks for) bound to this
 * one hash, then signatures/signHash, both on the token's queue: a remote signature takes a network
 * round trip or two, never the caller's event loop.
 */
final class CscTokenKey extends QueuedTokenKey {
    private final CscToken token;
    private final RemoteCredential credential;

    CscTokenKey(CscToken token, RemoteCredential credential) {
        super(credential.chain().get(0).getPublicKey(), credential.schemes());
        this.token = token;
        this.credential = credential;
    }

    @Override
    protected CommandQueue queue() {
        return token.queue();
    }

    @Override
    protected byte[] signOnQueue(SignatureScheme scheme, byte[] digest) throws TokenException {
        return token.signHashes(credential, scheme, java.util.List.of(digest)).get(0);
    }

    @Override
    public String toString() {
        return "CscTokenKey[credential=" + credential.id() + ", algorithm=" + algorithm() + "]";
    }
}
