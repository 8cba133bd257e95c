package jp.securetoken.lifecycle.issuer;

import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;

import jp.securetoken.api.TokenException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The CRL over plain HTTP ({@code GET /crl}, nothing else), where relying parties fetch CRL
 * distribution points: a CRL is signed, so it needs no TLS, and a checker need not trust the
 * issuing server's TLS certificate to learn that a certificate is revoked. Runs off the event loop
 * (signing a new CRL waits for the CA token).
 */
final class CrlHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(CrlHandler.class);

    private final Issuer issuer;

    CrlHandler(Issuer issuer) {
        this.issuer = issuer;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        String path = request.uri();
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        boolean head = request.method().equals(HttpMethod.HEAD);
        FullHttpResponse response;
        if (!path.equals("/crl")) {
            response = EstHandler.text(HttpResponseStatus.NOT_FOUND, "only the CRL is served here, at /crl");
        } else if (!head && !request.method().equals(HttpMethod.GET)) {
            response = EstHandler.text(HttpResponseStatus.METHOD_NOT_ALLOWED, "use GET");
            response.headers().set(HttpHeaderNames.ALLOW, "GET, HEAD");
        } else {
            try {
                byte[] crl = issuer.crl();
                response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        head ? Unpooled.EMPTY_BUFFER : Unpooled.wrappedBuffer(crl));
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/pkix-crl");
                HttpUtil.setContentLength(response, crl.length);
            } catch (TokenException e) {
                LOG.error("The CA token failed while signing a CRL for {}: {}", ctx.channel().remoteAddress(),
                        e.getMessage());
                response = EstHandler.text(HttpResponseStatus.SERVICE_UNAVAILABLE,
                        "the CA token is not available; try again later");
                response.headers().set(HttpHeaderNames.RETRY_AFTER, "30");
            } catch (IOException | RuntimeException e) {
                LOG.error("Serving the CRL to {} failed", ctx.channel().remoteAddress(), e);
                response = EstHandler.text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "the issuing server failed; see its log");
            }
        }
        if (!response.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
            HttpUtil.setContentLength(response, response.content().readableBytes());
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        HttpUtil.setKeepAlive(response, keepAlive);
        var future = ctx.writeAndFlush(response);
        if (!keepAlive) {
            future.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("CRL connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
