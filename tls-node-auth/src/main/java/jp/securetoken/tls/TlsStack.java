package jp.securetoken.tls;

/** Which Java TLS implementation runs the handshake. */
public enum TlsStack {
    /** The JDK's JSSE (SunJSSE). Key operations run as SSLEngine delegated tasks off the event loop. */
    JDK,
    /** BouncyCastle's BCJSSE ({@code bctls}). */
    BCJSSE
}
