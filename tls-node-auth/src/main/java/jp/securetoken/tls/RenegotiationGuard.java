package jp.securetoken.tls;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Refuses TLS renegotiation on every stack: sits in front of the {@link SslHandler}, reads only the
 * 5-byte record headers the peer sends, and closes the connection when a handshake record arrives
 * that can only start a new handshake: any after the first handshake completed, or a second one
 * after the peer's ChangeCipherSpec (TLS 1.2 sends just Finished there; TLS 1.3 at most a second
 * ClientHello after a HelloRetryRequest, or the ServerHello that follows one). The record is
 * dropped before the TLS stack sees it, so a renegotiation costs no token signature and the
 * identity reported for the connection stays the one that was authenticated.
 */
final class RenegotiationGuard extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = LoggerFactory.getLogger(RenegotiationGuard.class);
    private static final int HEADER = 5;
    private static final int CHANGE_CIPHER_SPEC = 20;
    private static final int HANDSHAKE = 22;

    private final byte[] header = new byte[HEADER];
    private int headerFilled;
    private int payloadLeft;
    private boolean handshakeDone;
    private boolean peerChangedCipherSpec;
    private int handshakeRecordsAfterChange;
    private boolean refused;

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        SslHandler ssl = ctx.pipeline().get(SslHandler.class);
        if (ssl != null) {
            ssl.handshakeFuture().addListener(f -> handshakeDone = f.isSuccess());
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof ByteBuf buf && startsRenegotiation(buf)) {
            refused = true;
            ReferenceCountUtil.release(msg);
            LOG.warn("Refused TLS renegotiation from {}: connection closed", ctx.channel().remoteAddress());
            ctx.close();
            return;
        }
        ctx.fireChannelRead(msg);
    }

    /** Follows the record boundaries through {@code buf} (not consuming it); true when a record starts renegotiation. */
    private boolean startsRenegotiation(ByteBuf buf) {
        int i = buf.readerIndex();
        int end = buf.writerIndex();
        while (i < end) {
            if (payloadLeft > 0) {
                int skip = Math.min(payloadLeft, end - i);
                payloadLeft -= skip;
                i += skip;
                continue;
            }
            header[headerFilled++] = buf.getByte(i++);
            if (headerFilled == HEADER) {
                headerFilled = 0;
                payloadLeft = ((header[3] & 0xff) << 8) | (header[4] & 0xff);
                int type = header[0] & 0xff;
                if (type == CHANGE_CIPHER_SPEC) {
                    peerChangedCipherSpec = true;
                } else if (type == HANDSHAKE) {
                    if (handshakeDone) {
                        return true;
                    }
                    if (peerChangedCipherSpec && ++handshakeRecordsAfterChange > 1) {
                        return true;
                    }
                }
            }
        }
        return false;
    }
}
