package jp.securetoken.tls;

/** Which TLS implementation runs the handshake. */
public enum TlsStack {
    /** The JDK's JSSE (SunJSSE). Key operations run as SSLEngine delegated tasks off the event loop. */
    JDK,
    /**
     * BoringSSL through Netty's {@code netty-tcnative-boringssl-static}: the fastest handshakes and
     * fleet-wide session tickets. Key operations go to the token through an asynchronous private-key
     * method, so the event loop never waits for a token. Where the native library cannot load (another
     * OS or architecture) a context asked for it is built on {@link #JDK} instead, with a log line
     * saying why; so is one whose token signs RSA only with PKCS#1 v1.5 (BoringSSL here cannot be told
     * to avoid RSA-PSS in TLS 1.2).
     */
    OPENSSL,
    /** BouncyCastle's BCJSSE ({@code bctls}). */
    BCJSSE
}
