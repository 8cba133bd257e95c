package jp.securetoken.tls;

import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.OpenSslContextOption;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;

/**
 * The native stack ({@link TlsStack#OPENSSL}): whether BoringSSL from {@code netty-tcnative} loads
 * on this system, and how a context builder is set up for keys the engine cannot read.
 */
final class NativeTls {
    private NativeTls() {
    }

    /** Whether the native library loaded (it ships for linux-x86_64 in this build). */
    static boolean available() {
        return OpenSsl.isAvailable();
    }

    /** Why the native stack cannot run here, in words for an operator. */
    static String unavailableReason() {
        Throwable cause = OpenSsl.unavailabilityCause();
        return "the native TLS library (BoringSSL from netty-tcnative-boringssl-static, built for linux-x86_64)"
                + " does not load on " + System.getProperty("os.name") + "/" + System.getProperty("os.arch")
                + (cause == null ? "" : " (" + cause.getMessage() + ")");
    }

    /**
     * Points the builder at BoringSSL with the token behind an asynchronous private-key method.
     * Certificate choice and peer verification run as delegated tasks on the key-operation executor
     * (they may read a token or fetch OCSP), so the event loop never waits for them either. A
     * signature's token error is kept in {@code failures} for the handshake's failure report.
     */
    static void configure(SslContextBuilder builder, NativeTokenKeyManager keys, SigningFailures failures) {
        builder.sslProvider(SslProvider.OPENSSL)
                .option(OpenSslContextOption.ASYNC_PRIVATE_KEY_METHOD, new TokenAsyncKeyMethod(keys, failures))
                .option(OpenSslContextOption.USE_TASKS, true);
    }
}
