package jp.securetoken.tls;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * First in a server connection's pipeline, ahead of the {@link SslHandler}: admits the connection
 * under the context's {@link ConnectionLimits} as soon as it is active, or closes it before a single
 * TLS byte is read, so that a refused stranger costs no token signature. An admitted connection
 * holds a handshake slot until its handshake ends and a connection slot until it closes.
 */
final class ConnectionLimitHandler extends ChannelInboundHandlerAdapter {
    /** Set on a channel this handler refused: its failed handshake is not reported as an authentication failure. */
    static final AttributeKey<ConnectionLimiter.Limit> REFUSED = AttributeKey.valueOf("securetoken.refused-by-limit");

    private final ConnectionLimiter limiter;
    private final AtomicBoolean handshakeHeld = new AtomicBoolean();
    private boolean decided;
    private boolean admitted;

    ConnectionLimitHandler(ConnectionLimiter limiter) {
        this.limiter = limiter;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            decide(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        if (!decided) {
            decide(ctx);
        }
        if (admitted) {
            ctx.fireChannelActive();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (admitted) {
            ctx.fireChannelRead(msg);
        } else {
            io.netty.util.ReferenceCountUtil.release(msg);
        }
    }

    private void decide(ChannelHandlerContext ctx) {
        decided = true;
        ConnectionLimiter.Limit over = limiter.admit(ctx.channel().remoteAddress());
        if (over != null) {
            ctx.channel().attr(REFUSED).set(over);
            ctx.channel().close();
            return;
        }
        admitted = true;
        handshakeHeld.set(true);
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (ssl != null) {
            ssl.handshakeFuture().addListener(f -> releaseHandshake());
        }
        ctx.channel().closeFuture().addListener(f -> {
            releaseHandshake();
            limiter.connectionClosed();
        });
    }

    /** Frees this connection's handshake slot (once). */
    void releaseHandshake() {
        if (handshakeHeld.compareAndSet(true, false)) {
            limiter.handshakeFinished();
        }
    }
}
