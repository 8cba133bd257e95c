package jp.securetoken.api;

import java.security.PublicKey;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * The part every token's key handle shares: it knows its public key and schemes, refuses a scheme
 * it cannot compute or a digest of the wrong length before the token is touched, copies the digest
 * (the caller may reuse its array) and runs the signature on the token's {@link CommandQueue}.
 * Token implementations supply the queue and the device work (soft, JPKI and PKCS#11 keys all do).
 */
public abstract class QueuedTokenKey implements TokenKey {
    private final PublicKey publicKey;
    private final Set<SignatureScheme> schemes;

    protected QueuedTokenKey(PublicKey publicKey, Set<SignatureScheme> schemes) {
        this.publicKey = publicKey;
        EnumSet<SignatureScheme> copy = EnumSet.noneOf(SignatureScheme.class);
        copy.addAll(schemes);
        this.schemes = Collections.unmodifiableSet(copy);
    }

    /** The token's queue, on which {@link #signOnQueue} runs. */
    protected abstract CommandQueue queue();

    /**
     * Signs on the queue thread. The scheme is one of this key's and the digest has its length; the
     * array is this call's own copy.
     */
    protected abstract byte[] signOnQueue(SignatureScheme scheme, byte[] digest) throws TokenException;

    @Override
    public final String algorithm() {
        return publicKey.getAlgorithm();
    }

    @Override
    public final PublicKey publicKey() {
        return publicKey;
    }

    @Override
    public final Set<SignatureScheme> signatureSchemes() {
        return schemes;
    }

    @Override
    public final CompletableFuture<byte[]> signDigestAsync(SignatureScheme scheme, byte[] digest) {
        if (!schemes.contains(scheme)) {
            return CompletableFuture.failedFuture(new UnsupportedSignatureSchemeException(scheme, schemes));
        }
        try {
            scheme.requireDigestLength(digest);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        byte[] copy = digest.clone();
        return queue().submit(() -> signOnQueue(scheme, copy));
    }
}
