package jp.securetoken.tls;

import io.netty.handler.ssl.OpenSslAsyncPrivateKeyMethod;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ImmediateEventExecutor;
import io.netty.util.concurrent.Promise;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import jp.securetoken.api.SignatureScheme;
import jp.securetoken.api.TokenKey;
import jp.securetoken.api.UnsupportedSignatureSchemeException;

/**
 * BoringSSL's private-key operations handed to the token: the engine gives the message to sign and
 * the TLS signature scheme, this hashes it on the host and queues the hash at the token with
 * {@link TokenKey#signDigestAsync}. The returned future completes when the token answers; until
 * then the engine's handshake waits and the event loop serves other connections.
 */
final class TokenAsyncKeyMethod implements OpenSslAsyncPrivateKeyMethod {
    private final NativeTokenKeyManager keys;
    private final SigningFailures failures;

    TokenAsyncKeyMethod(NativeTokenKeyManager keys, SigningFailures failures) {
        this.keys = keys;
        this.failures = failures;
    }

    @Override
    public Future<byte[]> sign(SSLEngine engine, int signatureAlgorithm, byte[] input) {
        Promise<byte[]> result = ImmediateEventExecutor.INSTANCE.newPromise();
        TokenKey key = keys.keyFor(engine);
        Optional<SignatureScheme> scheme = schemeOf(signatureAlgorithm);
        if (key == null) {
            return result.setFailure(new SSLHandshakeException("no token key was chosen for this handshake"));
        }
        if (scheme.isEmpty()) {
            return result.setFailure(new SSLHandshakeException("the engine asked for TLS signature scheme 0x"
                    + Integer.toHexString(signatureAlgorithm) + ", which no token signs"));
        }
        if (!key.signatureSchemes().contains(scheme.get())) {
            return fail(engine, result, new UnsupportedSignatureSchemeException(scheme.get(), key.signatureSchemes()));
        }
        byte[] digest;
        try {
            digest = MessageDigest.getInstance(scheme.get().digestAlgorithm()).digest(input);
        } catch (NoSuchAlgorithmException e) {
            return result.setFailure(e);
        }
        key.signDigestAsync(scheme.get(), digest).whenComplete((signature, error) -> {
            if (error == null) {
                result.setSuccess(signature);
            } else {
                fail(engine, result, error instanceof CompletionException && error.getCause() != null
                        ? error.getCause() : error);
            }
        });
        return result;
    }

    /** Fails the operation, keeping the token's typed error where the handshake's failure report finds it. */
    private Promise<byte[]> fail(SSLEngine engine, Promise<byte[]> result, Throwable error) {
        failures.record(engine, error);
        return result.setFailure(error);
    }

    /** RSA key exchange is in neither profile: nothing is ever decrypted with a node key. */
    @Override
    public Future<byte[]> decrypt(SSLEngine engine, byte[] input) {
        return ImmediateEventExecutor.INSTANCE.<byte[]>newPromise().setFailure(new SSLHandshakeException(
                "RSA key exchange is not offered: a node key never decrypts"));
    }

    static Optional<SignatureScheme> schemeOf(int codePoint) {
        for (SignatureScheme s : SignatureScheme.values()) {
            if (s.tlsCodePoint() == codePoint) {
                return Optional.of(s);
            }
        }
        return Optional.empty();
    }
}
