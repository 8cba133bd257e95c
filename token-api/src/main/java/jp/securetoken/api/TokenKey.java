package jp.securetoken.api;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A handle to a private key that lives in a token. It signs but never gives the key out. Token
 * implementations provide {@link #signDigestAsync}, which runs on the token's {@link CommandQueue};
 * everything else derives from it.
 */
public interface TokenKey {

    /** {@code RSA} or {@code EC}, as the certificate's public key. */
    String algorithm();

    /** The public half, for checking certificates and signatures. */
    PublicKey publicKey();

    /** The schemes this key can compute (a subset of the token's, fitting the key type). */
    Set<SignatureScheme> signatureSchemes();

    /**
     * Signs a hash computed by the caller. For PKCS#1 v1.5 the token builds or receives the
     * DigestInfo; for PSS and ECDSA the hash is signed as the scheme says. Fails the future with
     * a {@link TokenException}, e.g. {@link LoginRequiredException} or {@link TokenRemovedException}.
     *
     * @throws IllegalArgumentException (in the future) when the digest length does not fit the scheme
     */
    CompletableFuture<byte[]> signDigestAsync(SignatureScheme scheme, byte[] digest);

    /** Signs a hash computed by the caller and waits for the token. */
    default byte[] signDigest(SignatureScheme scheme, byte[] digest) throws TokenException {
        return CommandQueue.await(signDigestAsync(scheme, digest));
    }

    /** Hashes {@code data} on the host with the scheme's hash and signs the hash on the token. */
    default CompletableFuture<byte[]> signAsync(SignatureScheme scheme, byte[] data) {
        byte[] digest;
        try {
            digest = MessageDigest.getInstance(scheme.digestAlgorithm()).digest(data);
        } catch (NoSuchAlgorithmException e) {
            return CompletableFuture.failedFuture(new IllegalStateException(e));
        }
        return signDigestAsync(scheme, digest);
    }

    /** Hashes {@code data} on the host and signs the hash on the token, waiting for it. */
    default byte[] sign(SignatureScheme scheme, byte[] data) throws TokenException {
        return CommandQueue.await(signAsync(scheme, data));
    }
}
