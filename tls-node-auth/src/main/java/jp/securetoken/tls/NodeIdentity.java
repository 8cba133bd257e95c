package jp.securetoken.tls;

import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The peer a handshake authenticated, handed to the application as the channel attribute
 * {@link NodeTls#PEER} and in a {@link NodeAuthenticatedEvent}.
 *
 * @param nodeId      the peer's node name (certificate common name, else first DNS name)
 * @param chain       the peer's certificate chain, entity certificate first
 * @param protocol    the TLS version, e.g. {@code TLSv1.3}
 * @param cipherSuite the negotiated suite
 */
public record NodeIdentity(String nodeId, List<X509Certificate> chain, String protocol, String cipherSuite) {

    public NodeIdentity {
        chain = List.copyOf(chain);
    }

    public X509Certificate certificate() {
        return chain.get(0);
    }

    @Override
    public String toString() {
        return "NodeIdentity[" + nodeId + ", " + protocol + ", " + cipherSuite + "]";
    }
}
