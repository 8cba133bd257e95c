package jp.securetoken.tls;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import org.bouncycastle.jsse.BCSSLEngine;
import org.bouncycastle.jsse.BCSSLParameters;
import jp.securetoken.tls.trust.NodeTrustManager;

/**
 * A built node-authentication TLS context: makes the pipeline handlers for one connection. Key
 * operations of each handshake run on its key-operation executor, never on the event loop. Close
 * it when the application stops.
 */
public final class NodeTlsContext implements AutoCloseable {
    /** Name of the TLS handler in the pipeline. */
    public static final String TLS_HANDLER = "securetoken-tls";
    /** Name of the handler in front of the TLS handler that refuses renegotiation. */
    public static final String RENEGOTIATION_GUARD = "securetoken-no-renegotiation";
    /** Name of the handler, first in a server connection's pipeline, that enforces the connection limits. */
    public static final String LIMIT_HANDLER = "securetoken-limits";
    /** Name of the handler that reports the authenticated peer. */
    public static final String AUTH_HANDLER = "securetoken-node-auth";

    private final SslContext sslContext;
    private final boolean server;
    private final ProtocolPlan plan;
    private final TlsStack stack;
    private final ExecutorService executor;
    private final boolean ownsExecutor;
    private final NodeAuthenticationListener listener;
    private final Duration handshakeTimeout;
    private final TicketKeyRotation ticketKeys;
    private final NodeTrustManager trustManager;
    private final Optional<String> stackFallback;
    private final ConnectionLimiter limiter;
    private final SigningFailures signingFailures;

    NodeTlsContext(SslContext sslContext, boolean server, ProtocolPlan plan, TlsStack stack, ExecutorService executor,
            boolean ownsExecutor, NodeAuthenticationListener listener, Duration handshakeTimeout,
            TicketKeyRotation ticketKeys, Optional<String> stackFallback, NodeTrustManager trustManager,
            SigningFailures signingFailures, ConnectionLimiter limiter) {
        this.limiter = limiter;
        this.ticketKeys = ticketKeys;
        this.signingFailures = signingFailures;
        this.stackFallback = stackFallback;
        this.handshakeTimeout = handshakeTimeout;
        this.trustManager = trustManager;
        this.sslContext = sslContext;
        this.server = server;
        this.plan = plan;
        this.stack = stack;
        this.executor = executor;
        this.ownsExecutor = ownsExecutor;
        this.listener = listener;
    }

    /** The Netty context, for applications that build their own pipeline. */
    public SslContext sslContext() {
        return sslContext;
    }

    /** Protocol versions offered, most preferred first. */
    public List<String> protocols() {
        return plan.protocols();
    }

    /** Cipher suites offered, most preferred first. */
    public List<String> cipherSuites() {
        return sslContext.cipherSuites();
    }

    /** Why TLS 1.3 is not offered, when it is not (a token that signs only RSA PKCS#1 v1.5). */
    public Optional<String> restriction() {
        return plan.restriction().isEmpty() ? Optional.empty() : Optional.of(plan.restriction());
    }

    /** The stack that runs the handshakes (the JDK's where the native one was asked for but cannot serve). */
    public TlsStack stack() {
        return stack;
    }

    /** Why the stack asked for was replaced by the JDK's, when it was (e.g. the native library does not load here). */
    public Optional<String> stackFallback() {
        return stackFallback;
    }

    /** A server's connection limits (empty for a client, which accepts no connections). */
    public Optional<ConnectionLimits> connectionLimits() {
        return Optional.ofNullable(limiter).map(ConnectionLimiter::limits);
    }

    /** What a server's connection limits did so far: connections open, and refusals by each limit (all zero for a client). */
    public ConnectionLimitCounters limitCounters() {
        return limiter == null ? new ConnectionLimitCounters(0, 0, 0, 0, 0) : limiter.counters();
    }

    /**
     * Re-reads the fleet's session-ticket keys now rather than at the next scheduled reload (e.g. on
     * SIGHUP after a rotation). Does nothing without {@link NodeTlsBuilder#sessionTicketKeys}.
     *
     * @throws SessionTicketKeys.TicketKeyException when the keys cannot be read; the keys in force stay
     */
    public void reloadSessionTicketKeys() throws SessionTicketKeys.TicketKeyException {
        if (ticketKeys != null) {
            ticketKeys.reload();
        }
    }

    /**
     * A TLS handler for one connection. Clients pass the peer's host and port so that sessions are
     * cached and resumed; servers may pass {@code null} and {@code -1}.
     */
    public SslHandler newHandler(ByteBufAllocator alloc, String peerHost, int peerPort) {
        SslHandler handler = peerHost == null ? sslContext.newHandler(alloc, executor)
                : sslContext.newHandler(alloc, peerHost, peerPort, executor);
        handler.setHandshakeTimeoutMillis(handshakeTimeout.toMillis());
        if (!plan.signatureSchemes().isEmpty() && handler.engine() instanceof BCSSLEngine bc) {
            BCSSLParameters parameters = bc.getParameters();
            parameters.setSignatureSchemes(plan.signatureSchemes().toArray(new String[0]));
            bc.setParameters(parameters);
        }
        return handler;
    }

    /**
     * Adds the TLS handler and the node-authentication handler at the front of the channel's
     * pipeline; call from the {@code ChannelInitializer}. Servers use this form; on a server, a
     * connection over the {@linkplain NodeTlsBuilder#connectionLimits connection limits} is closed
     * here, before TLS (the application's handlers then see it only become inactive). A client's channel
     * has no remote address yet inside a {@code ChannelInitializer}: clients call
     * {@link #addTo(Channel, String, int)} with the host and port they connect to (needed for
     * session resumption and, when the policy checks host names, for that check). A client whose
     * host is unknown here is refused with an {@link IllegalStateException} when host names are
     * checked, rather than connecting unchecked.
     */
    public void addTo(Channel channel) {
        String host = null;
        int port = -1;
        if (!server && channel.remoteAddress() instanceof InetSocketAddress remote) {
            host = remote.getHostString();
            port = remote.getPort();
        }
        if (!server && host == null && trustManager.policy().checkHostname()) {
            throw new IllegalStateException("the trust policy checks host names but this channel has no remote "
                    + "address yet: use addTo(channel, host, port) with the host connected to");
        }
        addTo(channel, host, port);
    }

    /** As {@link #addTo(Channel)}, naming the peer explicitly (clients: the host and port connected to). */
    public void addTo(Channel channel, String peerHost, int peerPort) {
        if (!server && (peerHost == null || peerHost.isEmpty()) && trustManager.policy().checkHostname()) {
            throw new IllegalStateException("the trust policy checks host names: name the host connected to");
        }
        channel.pipeline().addFirst(AUTH_HANDLER, new NodeAuthenticationHandler(listener, trustManager,
                signingFailures));
        channel.pipeline().addFirst(TLS_HANDLER, newHandler(channel.alloc(), peerHost, peerPort));
        channel.pipeline().addFirst(RENEGOTIATION_GUARD, new RenegotiationGuard());
        if (limiter != null) {
            limiter.addTo(channel);
        }
    }

    /** Stops the key-operation executor it owns; established connections are not touched. */
    @Override
    public void close() {
        if (ticketKeys != null) {
            ticketKeys.close();
        }
        if (ownsExecutor) {
            executor.shutdown();
        }
    }
}
