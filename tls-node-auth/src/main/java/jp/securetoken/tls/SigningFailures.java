package jp.securetoken.tls;

import java.util.Map;
import java.util.Optional;
import java.util.WeakHashMap;
import javax.net.ssl.SSLEngine;
import jp.securetoken.api.TokenException;

/**
 * The token's typed error for each native handshake whose signature failed. BoringSSL turns a
 * failed asynchronous key operation into a bare {@code PRIVATE_KEY_OPERATION_FAILED} and drops its
 * cause; {@link TokenAsyncKeyMethod} keeps the cause here, and {@link NodeAuthenticationHandler}
 * reports it ({@code TOKEN_ERROR} with {@link NodeAuthenticationFailedEvent#tokenError()}) as the
 * JDK stack does. Entries go with their engine (weak keys) or when the failure is reported.
 */
final class SigningFailures {
    private final Map<SSLEngine, TokenException> byEngine = new WeakHashMap<>();

    /** Keeps {@code error} for {@code engine} when it is the token's typed error. */
    void record(SSLEngine engine, Throwable error) {
        if (error instanceof TokenException tokenError) {
            synchronized (byEngine) {
                byEngine.put(engine, tokenError);
            }
        }
    }

    /** The token error kept for {@code engine}, removed. */
    Optional<TokenException> take(SSLEngine engine) {
        synchronized (byEngine) {
            return Optional.ofNullable(byEngine.remove(engine));
        }
    }
}
