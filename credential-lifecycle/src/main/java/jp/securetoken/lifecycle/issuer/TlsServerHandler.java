package jp.securetoken.lifecycle.issuer;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import jp.securetoken.api.TokenException;
import jp.securetoken.lifecycle.tls.BoundChannel;
import org.bouncycastle.tls.TlsServerProtocol;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * TLS for one EST connection on BouncyCastle's non-blocking {@link TlsServerProtocol}: bytes from
 * the network are offered to it and what it writes goes back; decrypted bytes go up the pipeline.
 * When the handshake completes, the connection's {@link BoundChannel} (channel binding and client
 * chain) is set as the channel attribute {@link #BOUND} before any request is read. A handshake not
 * done within the timeout closes the connection. Runs on one executor per channel.
 */
final class TlsServerHandler extends ChannelDuplexHandler {
    /** The connection's binding and client certificates, set once its handshake completed. */
    static final AttributeKey<BoundChannel> BOUND = AttributeKey.valueOf(TlsServerHandler.class, "bound");
    private static final Logger LOG = LoggerFactory.getLogger(TlsServerHandler.class);

    /** Makes the server side of one handshake, reading the server's credential from its token. */
    @FunctionalInterface
    interface ServerFactory {
        EstTlsServer create() throws TokenException;
    }

    private final ServerFactory factory;
    private final Duration handshakeTimeout;
    private EstTlsServer server;
    private final TlsServerProtocol protocol = new TlsServerProtocol();
    private boolean started;
    private boolean handshaken;
    private ScheduledFuture<?> timeout;

    TlsServerHandler(ServerFactory factory, Duration handshakeTimeout) {
        this.factory = factory;
        this.handshakeTimeout = handshakeTimeout;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        start(ctx);
        ctx.fireChannelActive();
    }

    private void start(ChannelHandlerContext ctx) {
        if (started) {
            return;
        }
        started = true;
        timeout = ctx.executor().schedule(() -> {
            if (!handshaken) {
                LOG.debug("TLS handshake with {} not done within {}", ctx.channel().remoteAddress(), handshakeTimeout);
                ctx.close();
            }
        }, handshakeTimeout.toMillis(), TimeUnit.MILLISECONDS);
        try {
            server = factory.create();
            protocol.accept(server);
        } catch (TokenException e) {
            LOG.warn("The server's TLS credential cannot be read; closing {}: {}", ctx.channel().remoteAddress(),
                    e.getMessage());
            ctx.close();
        } catch (IOException e) {
            fail(ctx, e);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf in)) {
            ctx.fireChannelRead(msg);
            return;
        }
        if (server == null) {
            ReferenceCountUtil.release(in);
            return; // closing: the credential could not be read
        }
        byte[] bytes;
        try {
            bytes = ByteBufUtil.getBytes(in);
        } finally {
            ReferenceCountUtil.release(in);
        }
        try {
            protocol.offerInput(bytes);
        } catch (IOException e) {
            fail(ctx, e);
            return;
        }
        sendOutput(ctx, ctx.newPromise());
        ctx.flush();
        if (!handshaken && server.bound() != null) {
            handshaken = true;
            timeout.cancel(false);
            ctx.channel().attr(BOUND).set(server.bound());
            LOG.debug("TLS with {}: {}", ctx.channel().remoteAddress(), server.bound());
        }
        int available = protocol.getAvailableInputBytes();
        if (available > 0) {
            byte[] plain = new byte[available];
            protocol.readInput(plain, 0, available);
            ctx.fireChannelRead(Unpooled.wrappedBuffer(plain));
        }
        if (protocol.isClosed()) {
            ctx.close();
        }
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf out)) {
            ctx.write(msg, promise);
            return;
        }
        try {
            byte[] bytes = ByteBufUtil.getBytes(out);
            if (!handshaken) {
                throw new IOException("nothing is written before the TLS handshake completed");
            }
            protocol.writeApplicationData(bytes, 0, bytes.length);
        } catch (IOException e) {
            promise.setFailure(e);
            return;
        } finally {
            ReferenceCountUtil.release(out);
        }
        sendOutput(ctx, promise);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (server != null && !protocol.isClosed()) {
            try {
                protocol.close(); // queues close_notify
            } catch (IOException e) {
                LOG.debug("Closing TLS with {}: {}", ctx.channel().remoteAddress(), e.toString());
            }
            sendOutput(ctx, ctx.newPromise());
            ctx.flush();
        }
        ctx.close(promise);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (timeout != null) {
            timeout.cancel(false);
        }
        ctx.fireChannelInactive();
    }

    /** Writes what the protocol produced; completes {@code promise} at once when it produced nothing. */
    private void sendOutput(ChannelHandlerContext ctx, ChannelPromise promise) {
        int n = protocol.getAvailableOutputBytes();
        if (n == 0) {
            promise.trySuccess();
            return;
        }
        byte[] out = new byte[n];
        protocol.readOutput(out, 0, n);
        ctx.write(Unpooled.wrappedBuffer(out), promise);
    }

    /** A failed handshake or record: sends the alert the protocol queued, then closes. */
    private void fail(ChannelHandlerContext ctx, IOException e) {
        LOG.debug("TLS with {} failed: {}", ctx.channel().remoteAddress(), e.toString());
        sendOutput(ctx, ctx.newPromise());
        ctx.flush();
        ctx.close();
    }
}
