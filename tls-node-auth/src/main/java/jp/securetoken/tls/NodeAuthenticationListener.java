package jp.securetoken.tls;

import java.net.SocketAddress;

/** Told of every handshake outcome, for audit trails. Called on the channel's event loop; keep it short. */
public interface NodeAuthenticationListener {

    void authenticated(NodeIdentity peer, SocketAddress remote);

    void failed(NodeAuthenticationFailedEvent failure, SocketAddress remote);

    /** A listener that does nothing. */
    static NodeAuthenticationListener none() {
        return new NodeAuthenticationListener() {
            @Override
            public void authenticated(NodeIdentity peer, SocketAddress remote) {
            }

            @Override
            public void failed(NodeAuthenticationFailedEvent failure, SocketAddress remote) {
            }
        };
    }
}
