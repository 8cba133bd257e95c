package jp.securetoken.lifecycle.issuer;

import io.netty.buffer.ByteBufUtil;
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
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;

import jp.securetoken.api.TokenException;
import jp.securetoken.lifecycle.tls.BoundChannel;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.DERSet;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.jcajce.JcaCertStore;
import org.bouncycastle.cms.CMSAbsentContent;
import org.bouncycastle.cms.CMSException;
import org.bouncycastle.cms.CMSSignedDataGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One EST request: routes it to the {@link Issuer} and answers in RFC 7030's formats. Runs off the event loop. */
final class EstHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = LoggerFactory.getLogger(EstHandler.class);
    private static final String CERTS_ONLY = "application/pkcs7-mime; smime-type=certs-only";

    private final Issuer issuer;

    EstHandler(Issuer issuer) {
        this.issuer = issuer;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        FullHttpResponse response;
        BoundChannel bound = ctx.channel().attr(TlsServerHandler.BOUND).get();
        // the audit names the connection: address, protocol and the binding its requests are checked against
        String peer = ctx.channel().remoteAddress() + (bound == null ? "" : "/" + bound.protocol() + "/"
                + bound.bindingType());
        try {
            response = route(ctx, request, peer);
        } catch (EnrollmentRefusedException e) {
            if (e.refusal() == EnrollmentRefusal.NO_AUTHORIZATION) {
                // the challenge of HTTP Basic: clients that answer it (BouncyCastle's) expect no body to read
                response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.UNAUTHORIZED);
            } else {
                response = text(HttpResponseStatus.valueOf(e.refusal().httpStatus()), e.getMessage());
            }
            if (e.refusal().httpStatus() == 401) {
                response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"est\"");
            }
        } catch (TokenException e) {
            LOG.error("The CA token failed while serving {}: {}", peer, e.getMessage());
            response = text(HttpResponseStatus.SERVICE_UNAVAILABLE, "the CA token is not available; try again later");
            response.headers().set(HttpHeaderNames.RETRY_AFTER, "30");
        } catch (IOException | RuntimeException e) {
            LOG.error("Serving {} {} for {} failed", request.method(), request.uri(), peer, e);
            response = text(HttpResponseStatus.INTERNAL_SERVER_ERROR, "the issuing server failed; see its log");
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        HttpUtil.setContentLength(response, response.content().readableBytes());
        HttpUtil.setKeepAlive(response, keepAlive);
        var future = ctx.writeAndFlush(response);
        if (!keepAlive) {
            future.addListener(ChannelFutureListener.CLOSE);
        }
    }

    private FullHttpResponse route(ChannelHandlerContext ctx, FullHttpRequest request, String peer)
            throws EnrollmentRefusedException, TokenException, IOException {
        String path = request.uri();
        int query = path.indexOf('?');
        if (query >= 0) {
            path = path.substring(0, query);
        }
        if (path.equals("/crl") && request.method().equals(HttpMethod.GET)) {
            FullHttpResponse r = ok("application/pkix-crl", issuer.crl());
            return r;
        }
        if (!path.startsWith(EstServer.PREFIX + "/")) {
            return text(HttpResponseStatus.NOT_FOUND, "no such resource; EST lives under " + EstServer.PREFIX);
        }
        String operation = path.substring(EstServer.PREFIX.length() + 1);
        byte[] body = ByteBufUtil.getBytes(request.content());
        switch (operation) {
            case "cacerts":
                requireMethod(request, HttpMethod.GET);
                return base64(CERTS_ONLY.replace("; smime-type=certs-only", ""), certsOnly(issuer.caCertificates()));
            case "csrattrs":
                requireMethod(request, HttpMethod.GET);
                return base64("application/csrattrs", csrAttributes());
            case "simpleenroll":
                requireMethod(request, HttpMethod.POST);
                return base64(CERTS_ONLY, certsOnly(List.of(issuer.enroll(body, basicPassword(request),
                        channelBinding(ctx), peer))));
            case "simplereenroll":
                requireMethod(request, HttpMethod.POST);
                return base64(CERTS_ONLY, certsOnly(List.of(issuer.reenroll(body, clientChain(ctx),
                        channelBinding(ctx), peer))));
            default:
                return text(HttpResponseStatus.NOT_FOUND, "this server does not offer " + operation);
        }
    }

    private static void requireMethod(FullHttpRequest request, HttpMethod method) throws EnrollmentRefusedException {
        if (!request.method().equals(method)) {
            throw new EnrollmentRefusedException(EnrollmentRefusal.MALFORMED_REQUEST, "use " + method);
        }
    }

    /** The enrollment code: the password of HTTP Basic authentication (any user name). */
    private static String basicPassword(FullHttpRequest request) {
        String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Basic ", 0, 6)) {
            return null;
        }
        try {
            String decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
            int colon = decoded.indexOf(':');
            return colon < 0 ? null : decoded.substring(colon + 1);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The connection's binding and client chain, set by {@link TlsServerHandler} before any request is read. */
    private static BoundChannel bound(ChannelHandlerContext ctx) {
        BoundChannel bound = ctx.channel().attr(TlsServerHandler.BOUND).get();
        if (bound == null) {
            throw new IllegalStateException("a request was read before the TLS handshake completed");
        }
        return bound;
    }

    private static List<X509Certificate> clientChain(ChannelHandlerContext ctx) {
        return bound(ctx).peerChain();
    }

    /** tls-exporter (RFC 9266) on TLS 1.3, tls-unique on TLS 1.2: read while the handshake completed. */
    static EnrollmentRequests.ChannelBinding channelBinding(ChannelHandlerContext ctx) {
        return () -> bound(ctx).binding();
    }

    /** The attributes this server wants in a request: the channel binding, and EC P-256 as the suggested key. */
    private static byte[] csrAttributes() throws IOException {
        ASN1EncodableVector v = new ASN1EncodableVector();
        v.add(PKCSObjectIdentifiers.pkcs_9_at_challengePassword);
        v.add(new Attribute(X9ObjectIdentifiers.id_ecPublicKey, new DERSet(SECObjectIdentifiers.secp256r1)));
        v.add(X9ObjectIdentifiers.ecdsa_with_SHA256);
        return new DERSequence(v).getEncoded();
    }

    private static byte[] certsOnly(List<X509Certificate> certificates) throws IOException {
        try {
            CMSSignedDataGenerator g = new CMSSignedDataGenerator();
            g.addCertificates(new JcaCertStore(certificates));
            return g.generate(new CMSAbsentContent()).getEncoded();
        } catch (CMSException | java.security.cert.CertificateEncodingException e) {
            throw new IOException("encoding a certs-only message failed", e);
        }
    }

    private static FullHttpResponse base64(String contentType, byte[] der) {
        byte[] body = Base64.getMimeEncoder(64, "\r\n".getBytes(StandardCharsets.US_ASCII)).encode(der);
        FullHttpResponse r = ok(contentType, body);
        r.headers().set("Content-Transfer-Encoding", "base64");
        return r;
    }

    private static FullHttpResponse ok(String contentType, byte[] body) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                Unpooled.wrappedBuffer(body));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, contentType);
        return r;
    }

    /** A plain-text answer (an error or a hint), as the issuing server's handlers give it. */
    static FullHttpResponse text(HttpResponseStatus status, String message) {
        FullHttpResponse r = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(message + "\n", StandardCharsets.UTF_8));
        r.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        return r;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.debug("EST connection {} failed: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }
}
