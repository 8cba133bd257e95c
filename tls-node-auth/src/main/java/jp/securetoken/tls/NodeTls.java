package jp.securetoken.tls;

import io.netty.util.AttributeKey;
import jp.securetoken.api.CredentialSource;

/**
 * Mutual TLS between nodes with the private key kept in a token. Start here:
 *
 * <pre>{@code
 * NodeTlsContext gateway = NodeTls.server(CredentialSource.of(token, "node"))
 *         .trustPolicy(TrustPolicy.builder().trustAnchors(regionalCa).build())
 *         .profile(TlsProfile.ATNA_BCP195)
 *         .build();
 * // in a ChannelInitializer:
 * gateway.addTo(channel);
 * // later, in the application handler:
 * NodeIdentity clinic = channel.attr(NodeTls.PEER).get();
 * }</pre>
 */
public final class NodeTls {

    /** The authenticated peer, set on the channel once the handshake succeeded. */
    public static final AttributeKey<NodeIdentity> PEER = AttributeKey.valueOf("securetoken.peer");

    private NodeTls() {
    }

    /** A server that requires client certificates (ATNA), presenting the source's current credential. */
    public static NodeTlsBuilder server(CredentialSource credential) {
        return new NodeTlsBuilder(true, credential);
    }

    /** A client presenting the source's current credential. */
    public static NodeTlsBuilder client(CredentialSource credential) {
        return new NodeTlsBuilder(false, credential);
    }
}
