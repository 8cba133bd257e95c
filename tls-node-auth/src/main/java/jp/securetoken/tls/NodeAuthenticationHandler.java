package jp.securetoken.tls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import jp.securetoken.api.TokenException;
import jp.securetoken.tls.trust.NodeNames;
import jp.securetoken.tls.trust.NodeTrustManager;
import jp.securetoken.tls.trust.ValidatedPath;
import jp.securetoken.tls.trust.PeerRejectedException;
import jp.securetoken.tls.trust.RejectionReason;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns Netty's handshake completion into node authentication results: sets {@link NodeTls#PEER},
 * fires a {@link NodeAuthenticatedEvent} or {@link NodeAuthenticationFailedEvent}, logs the
 * outcome and tells the {@link NodeAuthenticationListener}. Sits right after the {@link SslHandler}.
 */
final class NodeAuthenticationHandler extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(NodeAuthenticationHandler.class);

    private final NodeAuthenticationListener listener;
    private final NodeTrustManager trustManager;
    private final SigningFailures signingFailures;
    private boolean failureReported;

    NodeAuthenticationHandler(NodeAuthenticationListener listener, NodeTrustManager trustManager,
            SigningFailures signingFailures) {
        this.listener = listener;
        this.trustManager = trustManager;
        this.signingFailures = signingFailures;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SslHandshakeCompletionEvent done) {
            if (done.isSuccess()) {
                authenticated(ctx);
            } else if (ctx.channel().attr(ConnectionLimitHandler.REFUSED).get() != null) {
                // refused over a connection limit before TLS: counted and logged there, not an authentication
                failureReported = true;
            } else if (!failureReported) {
                failed(ctx, done.cause());
            }
        }
        ctx.fireUserEventTriggered(evt);
    }

    /**
     * Reports the peer with the path its chain was validated on (leaf, intermediates, anchor), not
     * the certificates it sent: extras an attacker appended never reach the application.
     */
    private void authenticated(ChannelHandlerContext ctx) throws SSLPeerUnverifiedException {
        SSLSession session = ctx.pipeline().get(SslHandler.class).engine().getSession();
        Certificate[] sent = session.getPeerCertificates();
        X509Certificate[] chain = new X509Certificate[sent.length];
        for (int i = 0; i < sent.length; i++) {
            chain[i] = (X509Certificate) sent[i];
        }
        ValidatedPath path;
        try {
            path = trustManager.validatedPath(chain);
        } catch (PeerRejectedException e) {
            failed(ctx, e);
            ctx.close();
            return;
        }
        NodeIdentity identity = new NodeIdentity(NodeNames.nodeId(path.leaf()), path.certificates(),
                session.getProtocol(), session.getCipherSuite());
        ctx.channel().attr(NodeTls.PEER).set(identity);
        LOG.info("Authenticated node {} at {} over {} ({})", identity.nodeId(), ctx.channel().remoteAddress(),
                identity.protocol(), identity.cipherSuite());
        listener.authenticated(identity, ctx.channel().remoteAddress());
        ctx.fireUserEventTriggered(new NodeAuthenticatedEvent(identity));
    }

    /**
     * The handshake failure was reported as a {@link NodeAuthenticationFailedEvent} already: the
     * same failure arriving as an exception closes the channel instead of travelling on as noise.
     */
    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (!failureReported && tokenCause(cause) && handshaking(ctx)) {
            // The JDK engine lets a key manager's exception escape its delegated task: Netty passes it
            // on as an exception and the handshake would only end, later, as "connection closed".
            failed(ctx, cause);
            ctx.close();
            return;
        }
        if (failureReported && hasSslCause(cause)) {
            LOG.debug("Handshake failure already reported for {}: {}", ctx.channel().remoteAddress(), cause.getMessage());
            ctx.close();
            return;
        }
        ctx.fireExceptionCaught(cause);
    }

    private static boolean tokenCause(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof TokenException) {
                return true;
            }
        }
        return false;
    }

    private static boolean handshaking(ChannelHandlerContext ctx) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        return ssl != null && !ssl.handshakeFuture().isDone();
    }

    private static boolean hasSslCause(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof javax.net.ssl.SSLException) {
                return true;
            }
        }
        return false;
    }

    private void failed(ChannelHandlerContext ctx, Throwable cause) {
        failureReported = true;
        NodeAuthenticationFailedEvent failure = classify(signingFailure(ctx).orElse(cause));
        LOG.warn("Node authentication with {} failed ({}): {}", ctx.channel().remoteAddress(), failure.kind(),
                failure.message());
        listener.failed(failure, ctx.channel().remoteAddress());
        ctx.fireUserEventTriggered(failure);
    }

    /**
     * The token's error when this handshake failed because the token could not sign on the native
     * stack (BoringSSL reports only {@code PRIVATE_KEY_OPERATION_FAILED}); the JDK stacks carry it
     * in the cause already.
     */
    private Optional<Throwable> signingFailure(ChannelHandlerContext ctx) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        return ssl == null ? Optional.empty() : signingFailures.take(ssl.engine()).map(Throwable.class::cast);
    }

    static NodeAuthenticationFailedEvent classify(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof PeerRejectedException rejected) {
                return new NodeAuthenticationFailedEvent(NodeAuthenticationFailedEvent.Kind.PEER_REJECTED,
                        Optional.of(rejected.reason()), rejected.getMessage());
            }
            if (t instanceof TokenException tokenError) {
                return new NodeAuthenticationFailedEvent(NodeAuthenticationFailedEvent.Kind.TOKEN_ERROR,
                        Optional.empty(), tokenError.getMessage(), Optional.of(tokenError));
            }
        }
        String message = cause == null || cause.getMessage() == null
                ? "the connection closed during the handshake" : cause.getMessage();
        if (message.contains("Empty client certificate chain") || message.contains("Empty server certificate chain")
                || message.contains("certificate_required") || message.contains("PEER_DID_NOT_RETURN_A_CERTIFICATE")) {
            return new NodeAuthenticationFailedEvent(NodeAuthenticationFailedEvent.Kind.PEER_REJECTED,
                    Optional.of(RejectionReason.NO_CERTIFICATE), RejectionReason.NO_CERTIFICATE.description());
        }
        if (message.contains("Received fatal alert: protocol_version")
                || message.contains("No appropriate protocol") || message.contains("no cipher suites in common")
                || message.contains("Client requested protocol") || message.contains("not supported or disabled")
                // BoringSSL (native stack): no common version, no common suite, no usable ECDHE group
                || message.contains("UNSUPPORTED_PROTOCOL") || message.contains("NO_SHARED_CIPHER")
                || message.contains("WRONG_CURVE")) {
            return new NodeAuthenticationFailedEvent(NodeAuthenticationFailedEvent.Kind.PROTOCOL_MISMATCH,
                    Optional.empty(), message);
        }
        if (message.contains("Received fatal alert")) {
            return new NodeAuthenticationFailedEvent(NodeAuthenticationFailedEvent.Kind.PEER_REFUSED_US,
                    Optional.empty(), message);
        }
        return new NodeAuthenticationFailedEvent(NodeAuthenticationFailedEvent.Kind.OTHER, Optional.empty(), message);
    }
}
