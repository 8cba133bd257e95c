package jp.securetoken.tls;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * The same node authentication for code that uses plain JSSE rather than Netty (an audit sender,
 * {@code java.net.http.HttpClient}): an {@link SSLContext} with the token's key manager and the
 * trust policy, and the {@link SSLParameters} (protocols, suites, client authentication) of the
 * profile. Made by {@link NodeTlsBuilder#buildJsse()}.
 *
 * @param sslContext the context
 * @param parameters apply these to every socket or engine made from the context
 */
public record JsseNodeContext(SSLContext sslContext, SSLParameters parameters) {

    /**
     * A connected client socket that has completed its handshake. It refuses to make a new session
     * on it afterwards, so a renegotiation its server asks for costs no token signature.
     */
    public SSLSocket connect(String host, int port, Duration timeout) throws IOException {
        return connect(new Socket(), host, port, timeout);
    }

    /**
     * Connects {@code plain} and completes a handshake over it. The caller keeps {@code plain} so
     * that it can abort a stalled write by closing it from another thread.
     */
    public SSLSocket connect(Socket plain, String host, int port, Duration timeout) throws IOException {
        try {
            plain.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
            plain.setSoTimeout((int) timeout.toMillis());
            SSLSocket socket = (SSLSocket) sslContext.getSocketFactory().createSocket(plain, host, port, true);
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            // a renegotiation the server asks for may resume this session but never make a new one:
            // no second token signature, no second identity on this connection
            socket.setEnableSessionCreation(false);
            return socket;
        } catch (IOException e) {
            plain.close();
            throw e;
        }
    }
}
